#!/usr/bin/env bash
# What delivery events and Prometheus metrics cost: SMTP accept rate and relay rate (accepted and delivered to a sink)
# with actormta.events and actormta.metrics on, next to the same runs with both off, in one run of this script.
# Target (issue 17): within 5%.
#
#   load-tests/events-bench.sh
#
# Each case runs on a server started for it (events and metrics are chosen at start) with a fresh data dir, hocon/
# bench.conf plus the case's two keys; the cases alternate in ABBA order (on, off; off, on; ...) so a drift of this
# machine over the run falls on both. Per server: WARMUP untimed passes, then one timed pass of MESSAGES messages of
# one relayed recipient each (r{n}@remote.test, which bench.conf routes to the load tool's sink). Accept rate: the
# load tool's messages/s. Relay rate: MESSAGES / (time from the pass's start until every message left the queue).
# Local accept rate: the same, to a local mailbox (bench@local.test), whose deliveries have their own events.
# With events on, the passes' events are checked to be in the log (a Reception and a Delivery per message).
# Three warm-up passes (30,000 messages): the tiered JIT takes about 25,000 messages to settle on this machine.
# Environment: MESSAGES (5000), SESSIONS (20), PAIRS (2), WARMUP (3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MESSAGES=${MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
PAIRS=${PAIRS:-2}
WARMUP=${WARMUP:-3}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${EVENTS_OUT:-$ROOT/load-tests/results/$STAMP-events}
mkdir -p "$OUT"
log() { echo "[events-bench $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt" >&2; }

log "building (Release)"
dotnet build -c Release -nologo -v quiet src/ActorMTA.Host/ActorMTA.Host.csproj >"$OUT/build.log" 2>&1
dotnet build -c Release -nologo -v quiet load-tests/ActorMTA.LoadTests/ActorMTA.LoadTests.csproj >>"$OUT/build.log" 2>&1
ACTORMTA=(dotnet "$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll")
LOAD=(dotnet "$ROOT/load-tests/ActorMTA.LoadTests/bin/Release/net10.0/actormta-load.dll")

WORK=$(mktemp -d /tmp/actormta-events.XXXXXX)
SERVER_PID= SINK_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${LOAD[@]}" sink --port 28025 >"$OUT/sink.log" 2>&1 &
SINK_PID=$!

pending() {
  "${ACTORMTA[@]}" ctl queue list --json --config "$CONF" --data-dir "$DATA" 2>/dev/null \
    | python3 -c 'import json,sys; print(sum(q["pending"] for q in json.load(sys.stdin)))' 2>/dev/null || echo 1
}

pass() { # $1 = label; prints "accept-msg/s relay-msg/s"
  local start; start=$(date +%s.%N)
  "${LOAD[@]}" smtp --port 27025 --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt "r{n}@remote.test" --users 10000 \
    --from load@bench.test --json "$OUT/load-$1.json" >"$OUT/load-$1.txt" 2>&1 || true
  for _ in $(seq 1200); do [ "$(pending)" = 0 ] && break; sleep 0.2; done
  local end; end=$(date +%s.%N)
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[4])
acked, errors = s["messages_acknowledged"], s["errors"]
if acked < n or errors: sys.exit(f"{sys.argv[1]}: {acked} acknowledged, errors {errors}")
print(round(s["messages_per_s"], 1), round(n / (float(sys.argv[3]) - float(sys.argv[2])), 1))' "$OUT/load-$1.json" "$start" "$end" "$MESSAGES"
}

local_pass() { # $1 = label; prints the accept rate into the local mailbox
  "${LOAD[@]}" smtp --port 27025 --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt "bench@local.test" \
    --from load@bench.test --json "$OUT/load-local-$1.json" >"$OUT/load-local-$1.txt" 2>&1 || true
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
acked, errors = s["messages_acknowledged"], s["errors"]
if acked < n or errors: sys.exit(f"{sys.argv[1]}: {acked} acknowledged, errors {errors}")
print(round(s["messages_per_s"], 1))' "$OUT/load-local-$1.json" "$MESSAGES"
}

run_case() { # $1 = on|off, $2 = pair number; appends "case accept relay local-accept" to $OUT/rows.txt
  DATA=$WORK/data-$1-$2
  CONF=$WORK/bench-$1.conf
  { cat hocon/bench.conf; echo; echo "actormta.events.enabled = $1"; echo "actormta.metrics { enabled = $1, port = 29464 }"; } >"$CONF"
  "${ACTORMTA[@]}" domain add local.test --config "$CONF" --data-dir "$DATA" >/dev/null
  "${ACTORMTA[@]}" user add bench@local.test --password secret --config "$CONF" --data-dir "$DATA" >/dev/null
  # The server's log (megabytes per case) stays in the work directory, which is removed at the end.
  "${ACTORMTA[@]}" run --config "$CONF" --data-dir "$DATA" >"$WORK/server-$1-$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do ss -ltn | grep -q ":27025 " && break; kill -0 "$SERVER_PID" || { tail "$WORK/server-$1-$2.log" >&2; exit 1; }; sleep 0.2; done
  for w in $(seq "$WARMUP"); do pass "warmup-$1-$2-$w" >/dev/null; local_pass "warmup-$1-$2-$w" >/dev/null; done
  sync; sleep 3
  local figures; figures=$(pass "$1-$2")
  sync; sleep 3
  local local_rate; local_rate=$(local_pass "$1-$2")
  figures="$figures $local_rate"
  if [ "$1" = on ]; then
    # Every message of the log's passes has its Reception and Delivery (the log may still be writing the last ones).
    local want=$(( 2 * (WARMUP + 1) * MESSAGES ))
    for _ in $(seq 50); do
      got=$("${ACTORMTA[@]}" events query --since 1d --type Delivery --json --config "$CONF" --data-dir "$DATA" | wc -l)
      [ "$got" -ge "$want" ] && break; sleep 0.2
    done
    [ "$got" -ge "$want" ] || { log "only $got of $want Delivery events in the log"; exit 1; }
    curl -fsS "http://127.0.0.1:29464/metrics" | grep -E '^actormta_(messages_received_total|deliveries_total)' >"$OUT/metrics-$2.txt"
  fi
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  echo "$1 $figures" | tee -a "$OUT/rows.txt" >&2
}

: >"$OUT/rows.txt"
for p in $(seq "$PAIRS"); do
  if [ $((p % 2)) = 1 ]; then run_case on "$p"; run_case off "$p"; else run_case off "$p"; run_case on "$p"; fi
done

python3 - "$OUT/rows.txt" "$MESSAGES" <<'PY' | tee "$OUT/table.md"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
on = [tuple(map(float, r[1:])) for r in rows if r[0] == "on"]
off = [tuple(map(float, r[1:])) for r in rows if r[0] == "off"]
m = lambda rs, i: statistics.median(r[i] for r in rs)
print(f"Events + metrics on vs off, {sys.argv[2]} messages per pass, {len(on)} passes each (ABBA)\n")
print("| Rate | off | on | on / off | target | met |")
print("|---|---:|---:|---:|---:|:---:|")
for i, name in ((0, "SMTP accept, relayed (msg/s)"), (1, "relay: accepted and delivered (msg/s)"), (2, "SMTP accept into a local mailbox (msg/s)")):
    r = m(on, i) / m(off, i)
    print(f"| {name} | {m(off, i):.0f} | {m(on, i):.0f} | {r:.3f} | ≥ 0.95 | {'yes' if r >= 0.95 else '**no**'} |")
print(f"\nRESULT test=events accept_off={m(off, 0):.0f} accept_on={m(on, 0):.0f} relay_off={m(off, 1):.0f} relay_on={m(on, 1):.0f} local_off={m(off, 2):.0f} local_on={m(on, 2):.0f}")
PY
log "results in ${OUT#$ROOT/}"
