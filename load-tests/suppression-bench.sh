#!/usr/bin/env bash
# What the suppression list costs at RCPT: one server, the RCPT/accept rate of relayed mail with an empty list,
# then `actormta suppression import` of 1,000,000 entries into the running server, then the same load again.
# Target (issue: delivery events, part 4): with the 1,000,000-entry list, within 5% of the rate without it.
#
#   load-tests/suppression-bench.sh
#
# The two cases alternate in ABBA order (empty, import, full, delete; import, full, delete, empty; ...) so that
# drift over the run hits both alike.
# Every message carries RCPTS relayed recipients (r{n}@remote.test, none of them suppressed), so RCPT lookups are
# as large a share of the work as a message allows; the messages are queued and relayed to an smtp sink on
# loopback (hocon/bench.conf routes remote.test there). Reported: messages and RCPTs per second (median of RUNS
# runs each), the server's CPU time per RCPT, the import time and the server's RSS growth from the list.
# Environment: MESSAGES (2000), SESSIONS (20), RCPTS (50), RUNS (4), ENTRIES (1000000), KEEP_DATA=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
RCPTS=${RCPTS:-50}
RUNS=${RUNS:-4}
ENTRIES=${ENTRIES:-1000000}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${SUPPRESSION_OUT:-$ROOT/load-tests/results/$STAMP-suppression}
mkdir -p "$OUT"
log() { echo "[suppression-bench $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt" >&2; }

log "building (Release)"
dotnet build -c Release -nologo -v quiet src/ActorMTA.Host/ActorMTA.Host.csproj >"$OUT/build.log" 2>&1
dotnet build -c Release -nologo -v quiet load-tests/ActorMTA.LoadTests/ActorMTA.LoadTests.csproj >>"$OUT/build.log" 2>&1
ACTORMTA=(dotnet "$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll")
LOAD=(dotnet "$ROOT/load-tests/ActorMTA.LoadTests/bin/Release/net10.0/actormta-load.dll")

WORK=$(mktemp -d /tmp/actormta-suppression.XXXXXX)
DATA=$WORK/data
SERVER_PID= SINK_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null || true
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
cli() { "${ACTORMTA[@]}" "$@" --config hocon/bench.conf --data-dir "$DATA"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }

# The list, written before the server starts so that writing it costs the measured runs nothing. Addresses of
# many domains, a tenth of them per tenant; none is a recipient of the load.
log "writing $ENTRIES entries to a CSV file"
python3 - "$WORK/list.csv" "$ENTRIES" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("address,tenant,reason,source,created,expires\n")
    for i in range(int(sys.argv[2])):
        tenant = f"tenant{i % 50}" if i % 10 == 0 else ""
        f.write(f"user{i}@domain{i % 5000}.example,{tenant},550 5.1.1 user unknown,bounce,2026-11-01T00:00:00.0000000Z,\n")
PY

"${LOAD[@]}" sink --port 28025 >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
cli domain add local.test >/dev/null
"${ACTORMTA[@]}" run --config hocon/bench.conf --data-dir "$DATA" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do ss -ltn | grep -q ":27025 " && break; kill -0 "$SERVER_PID" || { tail "$OUT/server.log" >&2; exit 1; }; sleep 0.2; done

# The relayed messages of a run are delivered to the sink after it; a run must not pay for the previous run's
# deliveries (the later, full-list runs would pay most), so each starts with the queue empty.
drain() {
  for _ in $(seq 240); do
    pending=$("${ACTORMTA[@]}" ctl queue list --json --config hocon/bench.conf --data-dir "$DATA" 2>/dev/null \
      | python3 -c 'import json,sys; print(sum(q["pending"] + q["deferred"] for q in json.load(sys.stdin)))' 2>/dev/null || echo 1)
    [ "$pending" = 0 ] && return 0
    sleep 0.5
  done
  log "warning: the queue did not drain"
}

# The import writes ~150 MB (SQLite WAL and table) that the kernel flushes afterwards, and the reload leaves a
# million rows' garbage: both would be charged to the next run and its fsyncs. Each run starts after both settle.
settle() { sync; sleep 5; }

load_once() { # $1 = label; prints "msg/s rcpt/s cpu-us-per-rcpt"
  drain
  settle
  local before; before=$(cpu_ticks "$SERVER_PID")
  "${LOAD[@]}" smtp --port 27025 --sessions "$SESSIONS" --messages "$MESSAGES" --rcpt "r{n}@remote.test" --users 10000 \
    --rcpts-per-message "$RCPTS" --from load@bench.test --json "$OUT/load-$1.json" >"$OUT/load-$1.txt" 2>&1 || true
  local after; after=$(cpu_ticks "$SERVER_PID")
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); rcpts = int(sys.argv[5]); acked = s["messages_acknowledged"]
errors = s["errors"]
if acked < int(sys.argv[6]) or errors: sys.exit(f"run {sys.argv[1]}: {acked} acknowledged, errors {errors}")
cpu_us = (int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / int(sys.argv[4]) / (acked * rcpts)
print(round(s["messages_per_s"], 1), round(s["messages_per_s"] * rcpts), round(cpu_us, 2))' \
    "$OUT/load-$1.json" "$before" "$after" "$(getconf CLK_TCK)" "$RCPTS" "$MESSAGES"
}

# A .NET server compiles its hot paths while it runs (tiered JIT): untimed passes first, enough that the empty
# list's runs are not still warming up (one pass was not: its first timed runs rose by half).
log "warm-up"
for w in 1 2 3; do load_once "warmup-$w" >/dev/null; done
# The rate drifts during a run of the bench (the journal grows, the machine is shared), so the two cases
# alternate in pairs; the list is emptied by deleting its rows with SQL, as another tool would, and telling the
# server to reload.
list_size() {
  "${ACTORMTA[@]}" ctl suppression reload --json --config hocon/bench.conf --data-dir "$DATA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'
}
run_empty() {
  read -r msg rcpt cpu < <(load_once "empty-$1")
  log "pair $1: empty list: $msg msg/s, $rcpt RCPT/s, $cpu us server CPU per RCPT"
  echo "$1 $msg $rcpt $cpu" >>"$OUT/empty.txt"
}
run_full() {
  read -r msg rcpt cpu < <(load_once "full-$1")
  log "pair $1: $entries entries: $msg msg/s, $rcpt RCPT/s, $cpu us server CPU per RCPT"
  echo "$1 $msg $rcpt $cpu" >>"$OUT/full.txt"
}
import_list() {
  rss_before=$(rss_kib "$SERVER_PID")
  start=$(date +%s.%N)
  cli suppression import "$WORK/list.csv" >"$OUT/import.txt"
  import_s=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
  entries=$(list_size)
  [ "$entries" -ge "$ENTRIES" ] || { echo "the server holds $entries entries, not $ENTRIES" >&2; exit 1; }
  sleep 1
  rss_after=$(rss_kib "$SERVER_PID")
  log "pair $1: imported $entries entries in ${import_s}s (CLI transaction and the server's reload); RSS $((rss_before / 1024)) -> $((rss_after / 1024)) MiB"
}
empty_list() {
  python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM suppressions"); c.commit()' "$DATA/suppression.db"
  [ "$(list_size)" = 0 ] || { echo "the list did not empty" >&2; exit 1; }
}
# Odd pairs run empty then full, even pairs full then empty (ABBA), so a drift within a pair cancels out too.
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) = 1 ]; then
    run_empty "$i"; import_list "$i"; run_full "$i"; empty_list
  else
    import_list "$i"; run_full "$i"; empty_list; run_empty "$i"
  fi
done

python3 - "$OUT/empty.txt" "$OUT/full.txt" "$entries" "$import_s" "$rss_before" "$rss_after" "$RCPTS" >"$OUT/table.md" <<'PY'
import statistics, sys
def rows(p): return [tuple(map(float, l.split()[1:])) for l in open(p) if l.strip()]
empty, full = rows(sys.argv[1]), rows(sys.argv[2])
m = lambda rs, i: statistics.median(r[i] for r in rs)
ratio = m(full, 1) / m(empty, 1)
pairs = statistics.median(f[1] / e[1] for e, f in zip(empty, full))
print(f"| Figure (median of {len(empty)} runs, {sys.argv[7]} relayed RCPTs per message) | Empty list | {int(sys.argv[3]):,} entries | Ratio | Target | Met |")
print("|---|---:|---:|---:|---:|:---:|")
print(f"| RCPT/s (ratio: median of the per-pair ratios) | {m(empty, 1):.0f} | {m(full, 1):.0f} | {pairs:.3f} | ≥ 0.95 | {'yes' if pairs >= 0.95 else '**no**'} |")
print(f"| messages/s | {m(empty, 0):.1f} | {m(full, 0):.1f} | {m(full, 0) / m(empty, 0):.3f} | | |")
print(f"| server CPU per RCPT (µs) | {m(empty, 2):.2f} | {m(full, 2):.2f} | {m(full, 2) / m(empty, 2):.3f} | | |")
print(f"\nRatio of the medians: {ratio:.3f}.")
print(f"\nImport of {int(sys.argv[3]):,} entries into the running server (CLI, one transaction, then the server's reload): {sys.argv[4]} s. "
      f"Server RSS {int(sys.argv[5]) // 1024} MiB before, {int(sys.argv[6]) // 1024} MiB after (+{(int(sys.argv[6]) - int(sys.argv[5])) // 1024} MiB).")
print(f"\nRESULT test=suppression rcpt_per_s_empty={m(empty, 1):.0f} rcpt_per_s_full={m(full, 1):.0f} ratio={ratio:.3f} pair_ratio={pairs:.3f}")
PY
rm -f "$OUT/server.log" "$OUT/build.log" "$OUT/sink.log"
cat "$OUT/table.md"
log "results in ${OUT#"$ROOT"/}"
