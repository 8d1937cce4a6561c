#!/usr/bin/env bash
# What the inbound checks cost: SMTP accept rate with SPF + DKIM + DMARC on (a real dnsmasq answering) next to
# the same run with the checks off, one table. Target (issue 13): at most 20% slower.
#
#   load-tests/checks-bench.sh        (root on Debian: installs dnsmasq-base and openssl when missing)
#
# Every message is DKIM-signed for bench.test (the load tool signs From and the shared body once per size),
# bench.test publishes SPF for 127.0.0.1, its DKIM key and DMARC p=reject, so each message costs an SPF
# evaluation, one DKIM verification and a DMARC evaluation; the server's log is checked for spf=pass
# dkim=pass dmarc=pass. Each server first takes WARMUP untimed messages: on this 2-core machine its CPU per message
# (checks on) fell from 2.9 ms to 0.73 ms over its first 25,000 messages while the tiered JIT (with PGO) recompiled
# the hot paths, and a 3,000-message warm-up left a third of the timed run's CPU in the JIT thread (perf).
# Environment: MESSAGES (10000), SESSIONS (50), RUNS (3; the median is taken), WARMUP (25000),
# CHECKS_EXTRA (HOCON appended to the checks-on config, e.g. "actormta.spam.dkim.enabled = off" to time one check),
# CHECKS_OUT (the results directory; bench.sh puts it in its own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MESSAGES=${MESSAGES:-10000}
SESSIONS=${SESSIONS:-50}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-25000}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${CHECKS_OUT:-$ROOT/load-tests/results/$STAMP-checks}
mkdir -p "$OUT"
log() { echo "[checks-bench $(date -u +%H:%M:%S)] $*" >&2; }

need=()
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi

log "building (Release)"
dotnet build -c Release -nologo -v quiet src/ActorMTA.Host/ActorMTA.Host.csproj >"$OUT/build.log" 2>&1
dotnet build -c Release -nologo -v quiet load-tests/ActorMTA.LoadTests/ActorMTA.LoadTests.csproj >>"$OUT/build.log" 2>&1
ACTORMTA=(dotnet "$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll")
LOAD=(dotnet "$ROOT/load-tests/ActorMTA.LoadTests/bin/Release/net10.0/actormta-load.dll")

WORK=$(mktemp -d /tmp/actormta-checks.XXXXXX)
SERVER_PID= DNS_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- DNS: bench.test with SPF, DKIM and DMARC ----------------------------------------------------------
openssl genrsa -out "$WORK/dkim.pem" 2048 2>/dev/null
PUB=$(openssl rsa -in "$WORK/dkim.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
# dnsmasq listens on UDP and TCP alike: the port must be free for both (a UDP-only probe once handed it a port whose
# TCP side was taken, right after the 10,000-session test, and every check then waited out its DNS timeout).
free_dns_port() {
  python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        t.close(); u.close()'
}
{
  echo 'local=/test/'
  # Real records carry TTLs (300 s is common); with dnsmasq's default of 0 nothing could be cached.
  echo 'local-ttl=300'
  echo 'txt-record=bench.test,"v=spf1 ip4:127.0.0.1 -all"'
  echo 'txt-record=_dmarc.bench.test,"v=DMARC1; p=reject"'
  echo "txt-record=load._domainkey.bench.test,\"v=DKIM1; k=rsa; p=${PUB:0:200}\",\"${PUB:200}\""
} >"$WORK/dnsmasq.conf"
# Another process can take the port between the probe and dnsmasq's bind: then a new port, at most five times. The
# run goes on only once dnsmasq answers a query for the SPF record.
for attempt in 1 2 3 4 5; do
  DNS_PORT=$(free_dns_port)
  dnsmasq --keep-in-foreground --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
    --pid-file= --conf-file="$WORK/dnsmasq.conf" --cache-size=1000 >"$OUT/dnsmasq.log" 2>&1 &
  DNS_PID=$!
  sleep 0.5
  if kill -0 "$DNS_PID" 2>/dev/null && python3 - "$DNS_PORT" <<'PY'
import socket, struct, sys
query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p for p in (b"bench", b"test")) + b"\0" + struct.pack(">HH", 16, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(query, ("127.0.0.1", int(sys.argv[1])))
reply = s.recv(512)
sys.exit(0 if reply[:2] == b"\x12\x34" and struct.unpack(">H", reply[6:8])[0] > 0 else 1)
PY
  then break; fi
  kill "$DNS_PID" 2>/dev/null || true; wait "$DNS_PID" 2>/dev/null || true
  DNS_PID=
  echo "[checks-bench] dnsmasq did not answer on port $DNS_PORT (attempt $attempt): $(tail -1 "$OUT/dnsmasq.log")" >&2
done
[ -n "$DNS_PID" ] || { echo "[checks-bench] dnsmasq would not start" >&2; exit 1; }

# User plus system CPU of a process so far, in clock ticks (proc(5): fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run_once() { # $1 = on|off, $2 = run number
  local data="$WORK/data-$1-$2" conf="$WORK/checks-$1.conf"
  # bench.conf, then the keys of this run (later keys win within one HOCON file).
  { cat "$ROOT/hocon/bench.conf"; cat <<CONF
actormta.smtp.relay-networks = []
actormta.delivery { dns-servers = ["127.0.0.1:$DNS_PORT"] }
actormta.spam { enabled = $1, spf.enabled = on, dkim.enabled = on, dmarc.enabled = on, arc.enabled = off, dmarc.report-dir = "" }
${CHECKS_EXTRA:-}
CONF
  } >"$conf"
  "${ACTORMTA[@]}" domain add local.test --config "$conf" --data-dir "$data" >/dev/null
  "${ACTORMTA[@]}" user add bench@local.test --password secret --config "$conf" --data-dir "$data" >/dev/null
  "${ACTORMTA[@]}" run --config "$conf" --data-dir "$data" >"$OUT/server-$1-$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do ss -ltn | grep -q ":27025 " && break; sleep 0.2; done
  # Warm (tiered JIT), then measured.
  "${LOAD[@]}" smtp --port 27025 --sessions "$SESSIONS" --messages "$WARMUP" --rcpt bench@local.test --from load@bench.test \
    --dkim-key "$WORK/dkim.pem" --dkim-selector load >/dev/null 2>&1 || true
  local cpu_before; cpu_before=$(cpu_ticks "$SERVER_PID")
  "${LOAD[@]}" smtp --port 27025 --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt bench@local.test --from load@bench.test \
    --dkim-key "$WORK/dkim.pem" --dkim-selector load --json "$OUT/load-$1-$2.json" >"$OUT/load-$1-$2.txt" 2>&1 || true
  local cpu_after; cpu_after=$(cpu_ticks "$SERVER_PID")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  # Rate, and the server's CPU time per message: the rate swings with whatever else this machine runs, the CPU much less.
  python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["messages_per_s"]), round((int(sys.argv[3]) - int(sys.argv[2])) * 1000 / int(sys.argv[4]) / int(sys.argv[5]), 3))' \
    "$OUT/load-$1-$2.json" "$cpu_before" "$cpu_after" "$(getconf CLK_TCK)" "$MESSAGES"
}

for i in $(seq "$RUNS"); do
  read -r off off_cpu < <(run_once off "$i"); read -r on on_cpu < <(run_once on "$i")
  log "run $i: checks off $off msg/s ($off_cpu ms server CPU per message), checks on $on msg/s ($on_cpu ms)"
  echo "$off $on $off_cpu $on_cpu" >>"$OUT/rates.txt"
done
verdicts=$(cat "$OUT"/server-on-*.log | grep -c "checks: action=deliver .*spf=pass dkim=pass dmarc=pass" || true)
python3 - "$OUT/rates.txt" "$verdicts" >"$OUT/table.md" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
off = statistics.median(r[0] for r in rows); on = statistics.median(r[1] for r in rows)
slower = (1 - on / off) * 100
print("| Figure | Checks off | Checks on (SPF+DKIM+DMARC) | Slower | Target | Met |")
print("|---|---:|---:|---:|---:|:---:|")
print(f"| SMTP accept, 2 KiB, signed, msg/s (median of {len(rows)}) | {off:.0f} | {on:.0f} | {slower:.1f}% | ≤ 20% | {'yes' if slower <= 20 else '**no**'} |")
cpu_off = statistics.median(r[2] for r in rows); cpu_on = statistics.median(r[3] for r in rows)
print(f"| Server CPU per message, ms (median of {len(rows)}) | {cpu_off:.3f} | {cpu_on:.3f} | +{cpu_on - cpu_off:.3f} ms | | |")
print(f"\nMessages whose log line says spf=pass dkim=pass dmarc=pass: {sys.argv[2]}")
PY
# The server logs (megabytes: a line per message) have given their count; only the figures are kept.
rm -f "$OUT"/server-*.log "$OUT/build.log" "$OUT/dnsmasq.log"
cat "$OUT/table.md"
log "results in ${OUT#"$ROOT"/}"
