#!/usr/bin/env bash
# What delivery events and Prometheus metrics cost: SMTP accept rate and relay rate (accepted and delivered to a sink)
# with actormta.events and actormta.metrics on, next to the same runs with both off, in one run of this script.
# Target (issue 17): within 5%.
#
#   load-tests/events-bench.sh
#
# Two servers run side by side for the whole run, one with events and metrics on, one with both off (they are chosen
# at start), each with a fresh data dir, hocon/bench.conf plus the case's keys and its own ports. Both are warmed up
# with WARMUP untimed passes each; then ROUNDS rounds each time one pass on one server and then one on the other,
# the order alternating from round to round (on, off; off, on; ...), so that a drift of this machine over the run
# falls on both and each round's two passes ran seconds apart; the idle server costs nothing meanwhile. A pass is
# MESSAGES messages of one relayed recipient each (r{n}@remote.test, which bench.conf routes to the load tool's
# sink), then as many to a local mailbox (bench@local.test, whose deliveries have their own events). Accept rate:
# the load tool's messages/s. Relay rate: MESSAGES / (time from the pass's start until every message left the
# queue). CPU: the server process's CPU seconds per 1,000 messages over the relayed pass and its deliveries.
# The verdict is the median over the rounds of each round's on/off ratio (passes seconds apart compared with each
# other); the medians of each side's rates are printed next to it.
# With events on, every pass's events are checked to be in the log (a Reception and a Delivery per message).
# Three warm-up passes (30,000 messages): the tiered JIT takes about 25,000 messages to settle on this machine.
# Environment: MESSAGES (5000), SESSIONS (20), ROUNDS (6), WARMUP (3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MESSAGES=${MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
ROUNDS=${ROUNDS:-6}
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
declare -A SERVER_PID=() PORT=() DATA=() CONF=()
SINK_PID=
cleanup() {
  local p
  for p in "${SERVER_PID[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${LOAD[@]}" sink --port 28025 >"$OUT/sink.log" 2>&1 &
SINK_PID=$!

pending() { # $1 = on|off
  "${ACTORMTA[@]}" ctl queue list --json --config "${CONF[$1]}" --data-dir "${DATA[$1]}" 2>/dev/null \
    | python3 -c 'import json,sys; print(sum(q["pending"] for q in json.load(sys.stdin)))' 2>/dev/null || echo 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/${SERVER_PID[$1]}/stat"; }

accept_rate() { # $1 = the load tool's JSON; prints its messages/s, or fails when a message was not acknowledged
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
acked, errors = s["messages_acknowledged"], s["errors"]
if acked < n or errors: sys.exit(f"{sys.argv[1]}: {acked} acknowledged, errors {errors}")
print(round(s["messages_per_s"], 1))' "$1" "$MESSAGES"
}

pass() { # $1 = on|off, $2 = label; prints "accept-msg/s relay-msg/s cpu-s-per-1000"
  local start ticks0; start=$(date +%s.%N); ticks0=$(cpu_ticks "$1")
  "${LOAD[@]}" smtp --port "${PORT[$1]}" --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt "r{n}@remote.test" --users 10000 \
    --from load@bench.test --json "$OUT/load-$2.json" >"$OUT/load-$2.txt" 2>&1 || true
  for _ in $(seq 1200); do [ "$(pending "$1")" = 0 ] && break; sleep 0.2; done
  local end ticks1 accept; end=$(date +%s.%N); ticks1=$(cpu_ticks "$1")
  accept=$(accept_rate "$OUT/load-$2.json") || return 1
  python3 -c '
import os, sys
start, end, n, t0, t1 = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(sys.argv[6], round(n / (end - start), 1), round((t1 - t0) / os.sysconf("SC_CLK_TCK") / n * 1000, 3))' \
    "$start" "$end" "$MESSAGES" "$ticks0" "$ticks1" "$accept"
}

local_pass() { # $1 = on|off, $2 = label; prints the accept rate into the local mailbox
  "${LOAD[@]}" smtp --port "${PORT[$1]}" --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt "bench@local.test" \
    --from load@bench.test --json "$OUT/load-local-$2.json" >"$OUT/load-local-$2.txt" 2>&1 || true
  accept_rate "$OUT/load-local-$2.json"
}

start_server() { # $1 = on|off, $2 = first port of its block (SMTP; POP3 +1, IMAP +2, metrics +3)
  local c=$1 base=$2
  PORT[$c]=$base DATA[$c]=$WORK/data-$c CONF[$c]=$WORK/bench-$c.conf
  { cat hocon/bench.conf; echo
    echo "actormta.listeners { smtp.port = $base, pop3.port = $((base + 1)), imap.port = $((base + 2)) }"
    echo "actormta.events.enabled = $c"
    echo "actormta.metrics { enabled = $c, port = $((base + 3)) }"; } >"${CONF[$c]}"
  "${ACTORMTA[@]}" domain add local.test --config "${CONF[$c]}" --data-dir "${DATA[$c]}" >/dev/null
  "${ACTORMTA[@]}" user add bench@local.test --password secret --config "${CONF[$c]}" --data-dir "${DATA[$c]}" >/dev/null
  # The server's log (megabytes per case) stays in the work directory, which is removed at the end.
  "${ACTORMTA[@]}" run --config "${CONF[$c]}" --data-dir "${DATA[$c]}" >"$WORK/server-$c.log" 2>&1 &
  SERVER_PID[$c]=$!
  for _ in $(seq 300); do
    ss -ltn | grep -q ":$base " && return 0
    kill -0 "${SERVER_PID[$c]}" || { tail "$WORK/server-$c.log" >&2; exit 1; }
    sleep 0.2
  done
  log "server $c did not listen on $base"; exit 1
}

step() { # $1 = on|off, $2 = round; appends "case round accept relay cpu local-accept" to $OUT/rows.txt
  sync; sleep 2
  local figures; figures=$(pass "$1" "$1-$2")
  sync; sleep 2
  local local_rate; local_rate=$(local_pass "$1" "$1-$2")
  echo "$1 $2 $figures $local_rate" | tee -a "$OUT/rows.txt" >&2
}

start_server on 27025
start_server off 27035
log "warm-up: $WARMUP passes on each server"
for w in $(seq "$WARMUP"); do
  for c in on off; do pass "$c" "warmup-$c-$w" >/dev/null; local_pass "$c" "warmup-$c-$w" >/dev/null; done
done

: >"$OUT/rows.txt"
log "$ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then step on "$r"; step off "$r"; else step off "$r"; step on "$r"; fi
done

# Every message of the on server's passes has its Reception and Delivery (the log may still be writing the last ones).
want=$(( 2 * (WARMUP + ROUNDS) * MESSAGES ))
for _ in $(seq 50); do
  got=$("${ACTORMTA[@]}" events query --since 1d --type Delivery --json --config "${CONF[on]}" --data-dir "${DATA[on]}" | wc -l)
  [ "$got" -ge "$want" ] && break; sleep 0.2
done
[ "$got" -ge "$want" ] || { log "only $got of $want Delivery events in the log"; exit 1; }
curl -fsS "http://127.0.0.1:$((PORT[on] + 3))/metrics" | grep -E '^actormta_(messages_received_total|deliveries_total)' >"$OUT/metrics.txt"

python3 - "$OUT/rows.txt" "$MESSAGES" <<'PY' | tee "$OUT/table.md"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
side = lambda c: {int(r[1]): tuple(map(float, r[2:])) for r in rows if r[0] == c}
on, off = side("on"), side("off")
rounds = sorted(set(on) & set(off))
med = lambda s, i: statistics.median(s[k][i] for k in rounds)
print(f"Events + metrics on vs off: two servers side by side, {len(rounds)} rounds of one {sys.argv[2]}-message pass on each (order alternating)\n")
print("| Figure | off (median) | on (median) | on / off, median of the rounds' ratios | target | met |")
print("|---|---:|---:|---:|---:|:---:|")
verdicts = {}
for i, key, name, higher_better in ((0, "accept", "SMTP accept, relayed (msg/s)", True), (1, "relay", "relay: accepted and delivered (msg/s)", True),
                                    (3, "local", "SMTP accept into a local mailbox (msg/s)", True), (2, "cpu", "server CPU per 1,000 relayed messages (s)", False)):
    r = statistics.median(on[k][i] / off[k][i] for k in rounds)
    if higher_better:
        target, met = "≥ 0.95", ("yes" if r >= 0.95 else "**no**")
    else:
        target, met = "", ""
    verdicts[key] = r
    print(f"| {name} | {med(off, i):.{3 if i == 2 else 0}f} | {med(on, i):.{3 if i == 2 else 0}f} | {r:.3f} | {target} | {met} |")
print("\nEach round's ratios (on / off): " + ", ".join(f"{k}: {on[k][0]/off[k][0]:.2f} {on[k][1]/off[k][1]:.2f} {on[k][3]/off[k][3]:.2f}" for k in rounds) + " (accept, relay, local)")
print(f"\nRESULT test=events accept_ratio={verdicts['accept']:.3f} relay_ratio={verdicts['relay']:.3f} local_ratio={verdicts['local']:.3f} cpu_ratio={verdicts['cpu']:.3f}"
      f" accept_off={med(off, 0):.0f} accept_on={med(on, 0):.0f} relay_off={med(off, 1):.0f} relay_on={med(on, 1):.0f}")
PY
log "results in ${OUT#$ROOT/}"
