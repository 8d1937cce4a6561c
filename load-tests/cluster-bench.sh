#!/usr/bin/env bash
# The 3-node cluster on one PostgreSQL next to the single embedded node and Postfix, in one run, as ratios.
#
#   load-tests/cluster-bench.sh     (as root on Debian: Postfix comes from the peer scripts in ../shared/bench)
#
# 1. The embedded node (hocon/bench.conf) against Postfix with the peer scripts smtp-vs-postfix.sh (accept into
#    mailboxes) and relay-vs-postfix.sh (accept, queue, deliver to smtp-sink), after a warm-up pass (accept, relay,
#    accept again: the relay pass holds back the tier-1 JIT of the accept path until the accept is measured otherwise).
# 2. PostgreSQL + 3 nodes (cluster/up.sh, the same settings as bench.conf), warmed up the same way, then the same
#    workloads with Postfix's smtp-source: MESSAGES messages over SESSIONS sessions split evenly across the three
#    nodes (one smtp-source per node, run at once), into a mailbox and to smtp-sink.
# It also measures the CPU seconds each node process and PostgreSQL spend per 1,000 accepted messages, which is
# what a cluster of real machines (one node per machine) scales by. The table goes to stdout and to
# load-tests/results/<timestamp>-cluster/table.md. Environment: MESSAGES (10000), SESSIONS (48), SIZE (2048).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=${PEERS:-$ROOT/../shared/bench}
MESSAGES=${MESSAGES:-10000} SESSIONS=${SESSIONS:-48} SIZE=${SIZE:-2048}
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
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

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
cpu_ticks() { # user+system ticks of the node processes and of PostgreSQL (all its backends)
  local total=0 p
  for p in $(node_pid 1) $(node_pid 2) $(node_pid 3); do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$total $(ps -u postgres -o times= | awk '{s += $1} END {print s * 100}')"
}
log "cluster: warm-up"
spread bench@local.test 6000 >/dev/null
spread u@remote.test 6000 >/dev/null
spread bench@local.test 6000 >/dev/null
sleep 3
N=$(( MESSAGES / 3 * 3 ))
log "cluster: accept"
read -r node0 pg0 < <(cpu_ticks)
ACC_SECS=$(spread bench@local.test "$N")
read -r node1 pg1 < <(cpu_ticks)
log "cluster: relay"
base=$(sink_count); t0=$(now)
spread u@remote.test "$N" >/dev/null
for _ in $(seq 3000); do [ $(( $(sink_count) - base )) -ge "$N" ] && break; sleep 0.2; done
REL_SECS=$(python3 -c "print($(now) - $t0)")
RELAYED=$(( $(sink_count) - base ))

python3 - "$OUT" "$N" "$ACC_SECS" "$REL_SECS" "$RELAYED" "$node0" "$node1" "$pg0" "$pg1" "$(getconf CLK_TCK)" "$(nproc)" <<'PY' | tee "$OUT/table.md"
import re, sys
out, n, acc, rel, relayed, n0, n1, p0, p1, hz, cores = sys.argv[1:]
n, acc, rel, relayed = int(n), float(acc), float(rel), int(relayed)
def result(path, server, key):
    for line in open(path):
        if line.startswith(f"RESULT server={server} "):
            return float(re.search(key + r"=([0-9.]+)", line).group(1))
emb_acc, pf_acc = result(f"{out}/embedded-accept.txt", "target", "accepted_per_s"), result(f"{out}/embedded-accept.txt", "postfix", "accepted_per_s")
emb_rel, pf_rel = result(f"{out}/embedded-relay.txt", "target", "end_to_end_per_s"), result(f"{out}/embedded-relay.txt", "postfix", "end_to_end_per_s")
cl_acc, cl_rel = n / acc, relayed / rel
node_cpu = (int(n1) - int(n0)) / int(hz) / n * 1000 / 3
pg_cpu = (int(p1) - int(p0)) / 100 / n * 1000
print(f"Cluster benchmark: {n} messages of {2048} bytes per workload, one run; {cores} cores shared by 3 nodes, PostgreSQL and the load tool.\n")
print("| Figure (msg/s) | 3-node cluster | embedded node | Postfix | cluster / embedded | cluster / Postfix |")
print("|---|---:|---:|---:|---:|---:|")
print(f"| SMTP accept into mailboxes | {cl_acc:.0f} | {emb_acc:.0f} | {pf_acc:.0f} | {cl_acc/emb_acc:.2f} | {cl_acc/pf_acc:.2f} |")
print(f"| Relay end to end to smtp-sink | {cl_rel:.0f} | {emb_rel:.0f} | {pf_rel:.0f} | {cl_rel/emb_rel:.2f} | {cl_rel/pf_rel:.2f} |")
print(f"\nCPU per 1,000 accepted messages: {node_cpu:.2f} s in each node process (mean of 3), {pg_cpu:.2f} s in PostgreSQL.")
print(f"Target: the cluster keeps >= 50% of the embedded node's accept rate on this machine: {'met' if cl_acc/emb_acc >= 0.5 else 'not met'} ({cl_acc/emb_acc:.2f}).")
PY
log "results in ${OUT#"$ROOT"/}"
