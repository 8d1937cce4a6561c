#!/usr/bin/env bash
# The 3-node cluster on one PostgreSQL next to the single embedded node and Postfix, in one run, as ratios.
#
#   load-tests/cluster-bench.sh     (as root on Debian: Postfix comes from the peer scripts in ../shared/bench)
#
# 1. The embedded node (hocon/bench.conf) against Postfix with the peer scripts smtp-vs-postfix.sh (accept into
#    mailboxes) and relay-vs-postfix.sh (accept, queue, deliver to smtp-sink), after a warm-up pass (accept, relay,
#    accept again: the relay pass holds back the tier-1 JIT of the accept path until the accept is measured otherwise).
# 2. PostgreSQL + 3 nodes (cluster/up.sh, the same settings as bench.conf) beside the embedded node, which stays up.
#    The cluster is warmed up the same way with WARMUP messages per pass, spread over its three nodes, so that each
#    node runs its code as often as the embedded node did in its warm-up (one node sees a third of the traffic).
# 3. ROUNDS rounds; each runs the same workloads on the embedded node and on the cluster, one after the other, the
#    order alternating from round to round: MESSAGES messages over SESSIONS sessions into a mailbox (accept), then
#    to smtp-sink (relay, timed until the sink has them all). Postfix's smtp-source is the client; on the cluster
#    the sessions are split evenly across the three nodes (one smtp-source per node, run at once). On this noisy
#    2-core machine one pass each, minutes apart, gave cluster/embedded ratios from 0.31 to 0.58 on the same code:
#    the drift of the machine, not the servers. Each round's ratio compares two passes run seconds apart, and the
#    verdict is the median of the rounds' ratios.
# It also measures the CPU seconds each node process and PostgreSQL spend per 1,000 messages the cluster accepts,
# which is what a cluster of real machines (one node per machine) scales by. The table goes to stdout and to
# load-tests/results/<timestamp>-cluster/table.md. Environment: MESSAGES (10000), SESSIONS (48), SIZE (2048),
# ROUNDS (5), WARMUP (15000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=${PEERS:-$ROOT/../shared/bench}
MESSAGES=${MESSAGES:-10000} SESSIONS=${SESSIONS:-48} SIZE=${SIZE:-2048} ROUNDS=${ROUNDS:-5} WARMUP=${WARMUP:-15000}
OUT=$ROOT/load-tests/results/$(date -u +%Y%m%dT%H%M%SZ)-cluster
mkdir -p "$OUT"
log() { echo "[cluster-bench $(date -u +%H:%M:%S)] $*" >&2; }
command -v smtp-source >/dev/null || { export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; apt-get install -y -qq postfix >/dev/null; }
ulimit -n "$(ulimit -Hn)"
dotnet build -c Release -nologo -v quiet ActorMTA.sln >"$OUT/build.log" 2>&1
DLL=$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll
now() { date +%s.%N; }
field() { grep -E "^RESULT server=$2 " "$1" | grep -o "$3=[0-9.]*" | cut -d= -f2; }

# --- 1. embedded node and Postfix -------------------------------------------------------------------------
DATA=$(mktemp -d /tmp/actormta-cbench.XXXXXX)
chmod 755 "$DATA" # PostgreSQL runs as the postgres user and must reach its data dir inside
SERVER_PID= SINK_PID=
export ACTORMTA_CLUSTER_DIR=$DATA/cluster ACTORMTA_CLUSTER_NET=${ACTORMTA_CLUSTER_NET:-127.0.0.6}
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  bash "$ROOT/cluster/down.sh" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT
dotnet "$DLL" domain add local.test --config hocon/bench.conf --data-dir "$DATA/embedded" >/dev/null
for u in u bench; do dotnet "$DLL" user add "$u@local.test" --password secret --config hocon/bench.conf --data-dir "$DATA/embedded" >/dev/null; done
dotnet "$DLL" run --config hocon/bench.conf --data-dir "$DATA/embedded" >"$OUT/embedded.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do ss -ltn | grep -q "127.0.0.1:27025 " && break; sleep 0.2; done
log "embedded node: warm-up"
smtp-sink -c -u root 127.0.0.1:28025 1000 >/dev/null 2>&1 & SINK_PID=$!
sleep 0.5
smtp-source -s 50 -m 5000 -l "$SIZE" -f load@bench.test -t bench@local.test 127.0.0.1:27025 >/dev/null 2>&1
smtp-source -s 50 -m 5000 -l "$SIZE" -f load@bench.test -t u@remote.test 127.0.0.1:27025 >/dev/null 2>&1
smtp-source -s 50 -m 5000 -l "$SIZE" -f load@bench.test -t bench@local.test 127.0.0.1:27025 >/dev/null 2>&1
sleep 3; kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=
log "embedded node vs Postfix: accept, relay"
bash "$PEERS/smtp-vs-postfix.sh" 127.0.0.1:27025 bench@local.test "$MESSAGES" "$SESSIONS" "$SIZE" >"$OUT/embedded-accept.txt" 2>&1
bash "$PEERS/relay-vs-postfix.sh" 127.0.0.1:27025 "$MESSAGES" "$SESSIONS" "$SIZE" >"$OUT/embedded-relay.txt" 2>&1
cat "$OUT/embedded-accept.txt" "$OUT/embedded-relay.txt" | grep -E "^(RESULT|RATIO)" >&2

# --- 2. the cluster -------------------------------------------------------------------------------------------
cat > "$DATA/cluster.conf" <<CONF
actormta.smtp { relay-networks = ["127.0.0.0/8"], max-connections = 20000, max-connections-per-ip = 20000 }
actormta.delivery.routes { "remote.test" = "127.0.0.1:28025" }
actormta.delivery.throttles { "remote.test" { max-connections = 50, max-messages-per-connection = 1000, partitions = 2 } }
actormta.shaping.default { connection-limit = 50, messages-per-connection = 1000, message-rate = unlimited, connection-rate = unlimited }
CONF
export ACTORMTA_CLUSTER_CONF=$DATA/cluster.conf
log "starting PostgreSQL and 3 nodes"
# Kept in the results without this run's temp paths.
bash "$ROOT/cluster/up.sh" 3 | sed -e '/ctl (from/d' -e 's/ (state in .*)//' >"$OUT/cluster-up.txt"
source "$ROOT/cluster/lib.sh"
actormta 1 domain add local.test >/dev/null
for u in u bench; do actormta 1 user add "$u@local.test" --password secret >/dev/null 2>&1; done
sleep 2
smtp-sink -c -u root 127.0.0.1:28025 1000 >"$DATA/sink.out" 2>&1 & SINK_PID=$!
sleep 0.5
sink_count() { tr '\r' '\n' <"$DATA/sink.out" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || echo 0; }
spread() { # spread RCPT N: N messages over SESSIONS sessions, a third to each node at once; prints seconds
  local t0 pids=(); t0=$(now)
  for i in 1 2 3; do
    smtp-source -s $((SESSIONS / 3)) -m $(($2 / 3)) -l "$SIZE" -f load@bench.test -t "$1" "$(node_ip "$i"):$SMTP" >/dev/null 2>&1 & pids+=($!)
  done
  wait "${pids[@]}"
  python3 -c "print($(now) - $t0)"
}
cpu_ticks() { # user+system clock ticks of the node processes, and of PostgreSQL (its postmaster and backends)
  local total=0 p
  for p in $(node_pid 1) $(node_pid 2) $(node_pid 3); do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$total $(for p in $(pgrep -u postgres -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}')"
}
EMBEDDED=127.0.0.1:27025
embedded_pass() { # embedded_pass RCPT N: N messages over SESSIONS sessions to the embedded node; prints seconds
  local t0; t0=$(now)
  smtp-source -s "$SESSIONS" -m "$2" -l "$SIZE" -f load@bench.test -t "$1" "$EMBEDDED" >/dev/null 2>&1
  python3 -c "print($(now) - $t0)"
}
relay_pass() { # relay_pass embedded|cluster N: seconds until the sink has the N messages
  local base t0; base=$(sink_count); t0=$(now)
  if [ "$1" = embedded ]; then embedded_pass u@remote.test "$2" >/dev/null; else spread u@remote.test "$2" >/dev/null; fi
  for _ in $(seq 3000); do [ $(( $(sink_count) - base )) -ge "$2" ] && break; sleep 0.2; done
  [ $(( $(sink_count) - base )) -ge "$2" ] || { log "relay pass on the $1 delivered $(( $(sink_count) - base )) of $2"; exit 1; }
  python3 -c "print($(now) - $t0)"
}
log "cluster: warm-up (${WARMUP} messages per pass)"
spread bench@local.test "$WARMUP" >/dev/null
spread u@remote.test "$WARMUP" >/dev/null
spread bench@local.test "$WARMUP" >/dev/null
sleep 3
N=$(( MESSAGES / 3 * 3 ))
: >"$OUT/rounds.txt"
node_ticks=0 pg_ticks=0
for r in $(seq 1 "$ROUNDS"); do
  log "round $r of $ROUNDS"
  order="embedded cluster"; [ $((r % 2)) -eq 0 ] && order="cluster embedded"
  for who in $order; do
    if [ "$who" = embedded ]; then
      acc=$(embedded_pass bench@local.test "$N")
    else
      read -r n0 p0 < <(cpu_ticks)
      acc=$(spread bench@local.test "$N")
      read -r n1 p1 < <(cpu_ticks)
      node_ticks=$((node_ticks + n1 - n0)) pg_ticks=$((pg_ticks + p1 - p0))
    fi
    echo "round=$r server=$who workload=accept seconds=$acc" >>"$OUT/rounds.txt"
  done
  for who in $order; do
    echo "round=$r server=$who workload=relay seconds=$(relay_pass "$who" "$N")" >>"$OUT/rounds.txt"
  done
done

python3 - "$OUT" "$N" "$ROUNDS" "$node_ticks" "$pg_ticks" "$(getconf CLK_TCK)" "$(nproc)" "$SIZE" <<'PY' | tee "$OUT/table.md"
import re, statistics, sys
out, n, rounds, node_ticks, pg_ticks, hz, cores, size = sys.argv[1:]
n, rounds = int(n), int(rounds)
def result(path, server, key):
    for line in open(path):
        if line.startswith(f"RESULT server={server} "):
            return float(re.search(key + r"=([0-9.]+)", line).group(1))
pf_acc = result(f"{out}/embedded-accept.txt", "postfix", "accepted_per_s")
pf_rel = result(f"{out}/embedded-relay.txt", "postfix", "end_to_end_per_s")
rate = {}
for line in open(f"{out}/rounds.txt"):
    f = dict(kv.split("=") for kv in line.split())
    rate[(int(f["round"]), f["server"], f["workload"])] = n / float(f["seconds"])
rows, verdict = [], None
for workload, label, peer in (("accept", "SMTP accept into mailboxes", pf_acc), ("relay", "Relay end to end to smtp-sink", pf_rel)):
    cl = [rate[(r, "cluster", workload)] for r in range(1, rounds + 1)]
    em = [rate[(r, "embedded", workload)] for r in range(1, rounds + 1)]
    ratios = [c / e for c, e in zip(cl, em)]
    ratio = statistics.median(ratios)
    if workload == "accept": verdict = ratio
    rows.append((label, statistics.median(cl), statistics.median(em), peer, ratio, ratios))
node_cpu = int(node_ticks) / int(hz) / (n * rounds) * 1000 / 3
pg_cpu = int(pg_ticks) / int(hz) / (n * rounds) * 1000
print(f"Cluster benchmark: {rounds} rounds of {n} messages of {size} bytes per workload and server, the order alternating; "
      f"{cores} cores shared by 3 nodes, PostgreSQL, the embedded node and the load tool.\n")
print("| Figure (msg/s, median of the rounds) | 3-node cluster | embedded node | Postfix | cluster / embedded (median of the rounds' ratios) | cluster / Postfix |")
print("|---|---:|---:|---:|---:|---:|")
for label, cl, em, peer, ratio, _ in rows:
    print(f"| {label} | {cl:.0f} | {em:.0f} | {peer:.0f} | {ratio:.2f} | {cl/peer:.2f} |")
print()
for label, _, _, _, _, ratios in rows:
    print(f"{label}, cluster / embedded per round: {', '.join(f'{x:.2f}' for x in ratios)}")
print("Postfix: one run of the peer scripts against the embedded node (embedded-accept.txt, embedded-relay.txt).")
print(f"\nCPU per 1,000 messages the cluster accepted: {node_cpu:.2f} s in each node process (mean of 3), {pg_cpu:.2f} s in PostgreSQL.")
print(f"Target: the cluster keeps >= 50% of the embedded node's accept rate on this machine: {'met' if verdict >= 0.5 else 'not met'} ({verdict:.2f}).")
PY
log "results in ${OUT#"$ROOT"/}"
