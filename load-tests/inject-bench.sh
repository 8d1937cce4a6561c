#!/usr/bin/env bash
# HTTP injection next to SMTP injection of the same messages and next to Postfix's SMTP accept rate, in one run.
# Target (issue 16): HTTP injection >= SMTP injection.
#
#   load-tests/inject-bench.sh        (root on Debian: the peer script installs and starts a throwaway Postfix)
#
# HTTP: POST /api/inject/v1 requests of RECIPIENTS recipients each (100), an assembled 2 KiB text message with a
# per-recipient substitution, CLIENTS requests in flight (8), MESSAGES messages in all (10,000); a message counts
# when the reply's success_count says so, which ActorMTA sends only once each one is committed and acknowledged.
# SMTP: ../shared/bench/smtp-vs-postfix.sh (smtp-source, 50 sessions, 2 KiB) against ActorMTA and Postfix.
# Each figure is the median of RUNS (3). Environment: MESSAGES, RECIPIENTS, CLIENTS, RUNS, PEERS (../shared/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=${PEERS:-$ROOT/../shared/bench}
MESSAGES=${MESSAGES:-10000}
RECIPIENTS=${RECIPIENTS:-100}
CLIENTS=${CLIENTS:-8}
RUNS=${RUNS:-3}
export RECIPIENTS
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/load-tests/results/$STAMP-inject
mkdir -p "$OUT"
log() { echo "[inject-bench $(date -u +%H:%M:%S)] $*" >&2; }

[ -d "$PEERS" ] || { echo "peer scripts not found in $PEERS (set PEERS=...)" >&2; exit 2; }
if ! command -v smtp-source >/dev/null; then
  log "installing postfix"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi

log "building (Release)"
dotnet build -c Release -nologo -v quiet src/ActorMTA.Host/ActorMTA.Host.csproj >"$OUT/build.log" 2>&1
ACTORMTA=(dotnet "$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll")

WORK=$(mktemp -d /tmp/actormta-inject.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
{ cat hocon/bench.conf; echo "actormta.http { enabled = on, bind = \"127.0.0.1\", port = $HTTP_PORT, tokens = [\"$TOKEN\"] }"; } >"$WORK/inject.conf"
"${ACTORMTA[@]}" domain add local.test --config "$WORK/inject.conf" --data-dir "$WORK/data" >/dev/null
"${ACTORMTA[@]}" user add bench@local.test --password secret --config "$WORK/inject.conf" --data-dir "$WORK/data" >/dev/null
"${ACTORMTA[@]}" run --config "$WORK/inject.conf" --data-dir "$WORK/data" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do
  ss -ltn | grep -q ":$HTTP_PORT " && ss -ltn | grep -q ":27025 " && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$OUT/server.log" >&2; exit 1; }
  sleep 0.2
done

# One HTTP run: prints "RESULT ... messages_per_s=N".
http_run() {
  python3 - "$HTTP_PORT" "$TOKEN" "$1" "$RECIPIENTS" "$CLIENTS" <<'PY'
import http.client, json, sys, threading, time
port, token, total, per_request, clients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
line = "The quick brown fox jumps over the lazy dog, {{ code }} and again the quick brown fox jumps over it.\n"
text = line * (2048 // len(line))
body = json.dumps({
    "envelope_sender": "load@bench.test",
    "content": {"from": {"email": "load@bench.test", "name": "Bench"}, "subject": "Bench {{ code }}", "text_body": text},
    "recipients": [{"email": "bench@local.test", "substitutions": {"code": f"C{i}"}} for i in range(per_request)],
}).encode()
requests = total // per_request
lock = threading.Lock()
state = {"next": 0, "ok": 0, "failed": 0, "errors": 0}
def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    while True:
        with lock:
            if state["next"] >= requests: break
            state["next"] += 1
        conn.request("POST", "/api/inject/v1", body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        reply = conn.getresponse(); data = reply.read()
        with lock:
            if reply.status == 200:
                r = json.loads(data); state["ok"] += r["success_count"]; state["failed"] += r["fail_count"]
            else:
                state["errors"] += 1
t0 = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
secs = time.monotonic() - t0
print(f"RESULT path=http messages={state['ok']} failed={state['failed']} request_errors={state['errors']} "
      f"recipients_per_request={per_request} clients={clients} seconds={secs:.2f} messages_per_s={state['ok']/secs:.0f}")
PY
}

log "warm-up"
http_run 2000 >/dev/null
smtp-source -s 50 -m 2000 -l 2048 -f load@bench.test -t bench@local.test 127.0.0.1:27025 >/dev/null 2>&1

for i in $(seq "$RUNS"); do
  log "http run $i/$RUNS"
  http_run "$MESSAGES" | tee "$OUT/http-$i.txt" >&2
  log "smtp-vs-postfix run $i/$RUNS"
  bash "$PEERS/smtp-vs-postfix.sh" 127.0.0.1:27025 bench@local.test "$MESSAGES" >"$OUT/smtp-$i.txt" 2>"$OUT/smtp-$i.err" || true
  grep -E "^(RESULT|RATIO)" "$OUT/smtp-$i.txt" >&2 || true
done

python3 - "$OUT" "$RUNS" >"$OUT/table.md" <<'PY'
import glob, os, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def kv(line): return dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
def results(pattern, key):
    rows = []
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        for line in open(f):
            if line.startswith("RESULT"):
                d = kv(line)
                if key(d): rows.append(d)
    return rows
http = [float(d["messages_per_s"]) for d in results("http-*.txt", lambda d: d.get("path") == "http")]
smtp = [float(d["accepted_per_s"]) for d in results("smtp-*.txt", lambda d: d.get("server") == "target")]
postfix = [float(d["accepted_per_s"]) for d in results("smtp-*.txt", lambda d: d.get("server") == "postfix")]
m = lambda v: statistics.median(v) if v else float("nan")
h, s, p = m(http), m(smtp), m(postfix)
print(f"Run {os.path.basename(out)}: median of {runs} runs; 2 KiB messages, HTTP {os.environ.get('RECIPIENTS', '100')} recipients per request.\n")
print("| Figure | msg/s | Ratio | Target | Met |")
print("|---|---:|---:|---:|:---:|")
print(f"| HTTP injection (POST /api/inject/v1) | {h:.0f} | {h/s:.2f} × SMTP | ≥ 1 | {'yes' if h >= s else '**no**'} |")
print(f"| SMTP injection (smtp-source, 50 sessions) | {s:.0f} | 1.00 | | |")
print(f"| Postfix SMTP accept (same script) | {p:.0f} | HTTP {h/p:.2f} × Postfix | | |")
PY
rm -f "$OUT/server.log" "$OUT/build.log"
cat "$OUT/table.md"
log "results in ${OUT#"$ROOT"/}"
