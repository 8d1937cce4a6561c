#!/usr/bin/env bash
# ActorMTA next to Postfix and Dovecot on this machine, in one run, as one table.
#
#   load-tests/bench.sh            (as root on Debian: the peer scripts install and start Postfix/Dovecot)
#
# Builds the server in Release, starts it with hocon/bench.conf in its own data dir, warms it up, runs the
# peer scripts of ../shared/bench (smtp-vs-postfix, relay-vs-postfix, imap-vs-dovecot) RUNS times each
# (default 3) and takes the median of each ratio, then holds 10,000 concurrent SMTP sessions on a freshly
# started server and reports its peak RSS, then the accept rate with the inbound checks on next to off
# (checks-bench.sh), and last accept and relay with events and metrics on next to off (events-bench.sh).
# Everything lands in load-tests/results/<timestamp>/; the table
# is printed and written to load-tests/results/latest.md.
# Environment: RUNS (3), PEERS (../shared/bench), CONCURRENCY (10000), KEEP_DATA=1 keeps the data dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=${PEERS:-$ROOT/../shared/bench}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-10000}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/load-tests/results/$STAMP
mkdir -p "$OUT"
log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------
[ -d "$PEERS" ] || { echo "peer scripts not found in $PEERS (set PEERS=...)" >&2; exit 2; }
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required" >&2; exit 2; }
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v smtp-source >/dev/null || missing+=(postfix)
command -v dovecot >/dev/null || missing+=(dovecot-imapd)
# imap-vs-dovecot.sh configures "protocols = imap pop3", which needs the POP3 part of Dovecot as well.
[ -e /usr/lib/dovecot/pop3 ] || missing+=(dovecot-pop3d)
command -v ss >/dev/null || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# 10,000 sessions need 10,000+ descriptors on each side; raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"

log "building (Release)"
dotnet build -c Release -nologo -v quiet src/ActorMTA.Host/ActorMTA.Host.csproj >"$OUT/build.log" 2>&1
dotnet build -c Release -nologo -v quiet load-tests/ActorMTA.LoadTests/ActorMTA.LoadTests.csproj >>"$OUT/build.log" 2>&1
ACTORMTA=(dotnet "$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll")
LOAD=(dotnet "$ROOT/load-tests/ActorMTA.LoadTests/bin/Release/net10.0/actormta-load.dll")

DATA=$(mktemp -d /tmp/actormta-bench.XXXXXX)
SERVER_PID=
SINK_PID=
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
cleanup() {
  stop_server
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$DATA"
}
trap cleanup EXIT
start_server() {
  "${ACTORMTA[@]}" run --config hocon/bench.conf --data-dir "$DATA" >>"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    ss -ltn | grep -q ":27143 " && ss -ltn | grep -q ":27025 " && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$OUT/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "server did not start" >&2; exit 1
}
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$SERVER_PID/status"; }
hwm_kib() { awk '/^VmHWM/{print $2}' "/proc/$SERVER_PID/status"; }

"${ACTORMTA[@]}" domain add local.test --config hocon/bench.conf --data-dir "$DATA" >/dev/null
for user in u bench hold; do
  "${ACTORMTA[@]}" user add "$user@local.test" --password secret --config hocon/bench.conf --data-dir "$DATA" >/dev/null
done
log "starting the server (data dir $DATA)"
start_server

# A .NET server compiles its hot paths while it runs (tiered JIT); a mail server runs for months, so the
# figures are taken warm, after untimed passes of each workload. Postfix and Dovecot are native code. On this 2-core
# machine the JIT settles after about 25,000 messages (checks-bench.sh), so the accept pass is run again.
log "warm-up"
"${LOAD[@]}" sink --port 28025 >"$OUT/warmup-sink.log" 2>&1 & SINK_PID=$!
sleep 1
smtp-source -s 50 -m 5000 -l 2048 -f load@bench.test -t bench@local.test 127.0.0.1:27025 >/dev/null 2>&1
smtp-source -s 50 -m 5000 -l 2048 -f load@bench.test -t u@remote.test 127.0.0.1:27025 >/dev/null 2>&1
smtp-source -s 50 -m 15000 -l 2048 -f load@bench.test -t bench@local.test 127.0.0.1:27025 >/dev/null 2>&1
sleep 3; kill "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=

for i in $(seq "$RUNS"); do
  log "smtp-vs-postfix run $i/$RUNS"
  bash "$PEERS/smtp-vs-postfix.sh" 127.0.0.1:27025 bench@local.test >"$OUT/smtp-$i.txt" 2>"$OUT/smtp-$i.err" || true
  grep -E "^(RESULT|RATIO)" "$OUT/smtp-$i.txt" >&2 || true
  log "relay-vs-postfix run $i/$RUNS"
  bash "$PEERS/relay-vs-postfix.sh" 127.0.0.1:27025 >"$OUT/relay-$i.txt" 2>"$OUT/relay-$i.err" || true
  grep -E "^(RESULT|RATIO)" "$OUT/relay-$i.txt" >&2 || true
  if [ "$i" = 1 ]; then
    # The first pass fills u@local.test with the 20,000 messages; its timings are kept but the server
    # has not served this workload yet, so it also counts as the IMAP warm-up.
    log "imap-vs-dovecot warm-up (fills the 20,000-message mailbox)"
    bash "$PEERS/imap-vs-dovecot.sh" 127.0.0.1:27025 u@local.test 127.0.0.1:27143 u@local.test secret >"$OUT/imap-warmup.txt" 2>"$OUT/imap-warmup.err" || true
  fi
  log "imap-vs-dovecot run $i/$RUNS"
  bash "$PEERS/imap-vs-dovecot.sh" 127.0.0.1:27025 u@local.test 127.0.0.1:27143 u@local.test secret >"$OUT/imap-$i.txt" 2>"$OUT/imap-$i.err" || true
  grep -E "^(RESULT|RATIO)" "$OUT/imap-$i.txt" >&2 || true
done

# --- concurrency: a fresh server process, so that its peak RSS is this test's --------------------------
log "concurrency: $CONCURRENCY sessions held open at once"
stop_server
start_server
sleep 2
base_kib=$(rss_kib)
"${LOAD[@]}" smtp --host 127.0.0.1 --port 27025 --sessions "$CONCURRENCY" --messages "$CONCURRENCY" --hold \
  --source-ips 50 --rcpt hold@local.test --from load@bench.test --size 2048 \
  --json "$OUT/concurrency.json" >"$OUT/concurrency.txt" 2>&1 || echo "load tool exit $?" >>"$OUT/concurrency.txt"
peak_kib=$(hwm_kib)
python3 - "$CONCURRENCY" "$base_kib" "$peak_kib" "$OUT/concurrency.json" >"$OUT/concurrency-result.txt" <<'PY'
import json, sys
n, base, peak, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
try: s = json.load(open(path))
except Exception: s = {}
ok = s.get("peak_sessions_open", 0)
probe = s.get("latency_ms", {}).get("probe", {})
errors = sum(s.get("errors", {}).values()) if s else -1
print(f"RESULT test=concurrency sessions={ok} rss_mib={peak/1024:.0f} per_session_kib={(peak-base)/max(ok,1):.1f} "
      f"baseline_rss_mib={base/1024:.0f} messages_acknowledged={s.get('messages_acknowledged', 0)} errors={errors} "
      f"probe_p99_ms={probe.get('p99', 'n/a')} probe_max_ms={probe.get('max', 'n/a')}")
PY
cat "$OUT/concurrency-result.txt" >&2
stop_server

# --- spam checks: accept rate with SPF + DKIM + DMARC on next to off (load-tests/checks-bench.sh) --------
log "checks: SPF + DKIM + DMARC on vs off, $RUNS runs"
CHECKS_OUT="$OUT/checks" RUNS="$RUNS" bash load-tests/checks-bench.sh >"$OUT/checks.txt" 2>&1 || echo "checks-bench exit $?" >>"$OUT/checks.txt"

# --- events and metrics: accept and relay with them on next to off (load-tests/events-bench.sh) ---------
log "events + metrics on vs off (both servers driven at once)"
EVENTS_OUT="$OUT/events" bash load-tests/events-bench.sh >"$OUT/events.txt" 2>&1 || echo "events-bench exit $?" >>"$OUT/events.txt"

# --- the table ----------------------------------------------------------------------------------------
python3 load-tests/bench_table.py "$OUT" "$RUNS" >"$OUT/table.md"
if [ -f "$OUT/checks/table.md" ]; then { echo; echo "Inbound checks (load-tests/checks-bench.sh, same run):"; echo; cat "$OUT/checks/table.md"; } >>"$OUT/table.md"; fi
if [ -f "$OUT/events/table.md" ]; then { echo; echo "Events and metrics (load-tests/events-bench.sh, same run):"; echo; cat "$OUT/events/table.md"; } >>"$OUT/table.md"; fi
cat "$OUT/table.md"
cp "$OUT/table.md" "$ROOT/load-tests/results/latest.md"
log "results in ${OUT#"$ROOT"/}"
