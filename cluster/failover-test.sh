#!/usr/bin/env bash
# cluster/failover-test.sh [--short]: PostgreSQL + 3 nodes on loopback (cluster/up.sh in a private directory);
# MESSAGES messages over sessions spread across all three nodes to USERS local mailboxes and DOMAINS remote domains
# routed to a counting sink; node 2 SIGKILLed when a third of them are acknowledged and started again
# RESTART_AFTER seconds later. Then every acknowledged message must be in its mailbox or at the sink: any loss
# fails the run; duplicates (at-least-once after a kill) are counted and reported. Reports the time from the kill
# to the first delivery by a queue that lived on the killed node, and how many transactions got 451 meanwhile.
#   long form (default): 20,000 messages, 100 mailboxes, 50 domains     --short: 2,000, 20, 10 (part of test.sh)
# --rolling: instead of the kill, a rolling restart under load: each node in turn gets SIGTERM, is started again and
# rejoins; no acknowledged message may be lost and no client may see anything but 250 or a 4xx.
# ACTORMTA_CLUSTER_NET (default 127.0.0.2: nodes on 127.0.0.21..23) keeps it apart from a cluster/up.sh cluster.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHORT=0; MODE=failover
for arg in "$@"; do
  case $arg in
    --short) SHORT=1 ;;
    --rolling) MODE=rolling ;;
    *) echo "usage: $0 [--short] [--rolling]" >&2; exit 2 ;;
  esac
done
MESSAGES=${MESSAGES:-$([ $SHORT = 1 ] && echo 2000 || echo 20000)}
USERS=${USERS:-$([ $SHORT = 1 ] && echo 20 || echo 100)}
DOMAINS=${DOMAINS:-$([ $SHORT = 1 ] && echo 10 || echo 50)}
RESTART_AFTER=${RESTART_AFTER:-$([ $SHORT = 1 ] && echo 25 || echo 40)}
SENDERS=${SENDERS:-$([ $SHORT = 1 ] && echo 12 || echo 30)}
WORK=$(mktemp -d /tmp/actormta-failover.XXXXXX)
chmod 755 "$WORK" # PostgreSQL runs as the postgres user and must reach its data dir inside
export ACTORMTA_CLUSTER_DIR=$WORK/cluster ACTORMTA_CLUSTER_NET=${ACTORMTA_CLUSTER_NET:-127.0.0.2}
source "$HERE/lib.sh"
FL=(python3 "$REPO/load-tests/faults/faultlib.py")
PASSWORD=failover-S3cret
log() { echo "[failover $(date -u +%H:%M:%S)] $*" >&2; }
SINK_PID=; SEND_PID=
cleanup() {
  [ -n "$SEND_PID" ] && kill "$SEND_PID" 2>/dev/null || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  if [ "${FAILOVER_KEEP:-0}" = 1 ]; then
    log "kept $WORK (cluster still up: ACTORMTA_CLUSTER_DIR=$ACTORMTA_CLUSTER_DIR cluster/down.sh)"
  else
    bash "$HERE/down.sh" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

read -r SINK_PORT < <("${FL[@]}" ports 1)
"${FL[@]}" receiver --port "$SINK_PORT" --out "$WORK/sink.ids" --times "$WORK/sink.times" &
SINK_PID=$!
cat > "$WORK/extra.conf" <<CONF
actormta.smtp.relay-networks = ["127.0.0.0/8"]
actormta.smtp.max-connections-per-ip = 1000
actormta.pop3.auth-requires-tls = off
actormta.delivery.routes { "*" = "127.0.0.1:$SINK_PORT" }
actormta.delivery.retry-schedule = [2s, 5s, 10s]
# The sink stands for the whole world here, not for one provider: no site rates, the domains' own connection limits.
actormta.shaping.default { connection-limit = 100, message-rate = unlimited, connection-rate = unlimited }
CONF
export ACTORMTA_CLUSTER_CONF=$WORK/extra.conf
log "starting PostgreSQL and 3 nodes"
bash "$HERE/up.sh" 3 >&2

actormta 1 domain add cluster.test >/dev/null
seq 1 "$USERS" | xargs -P 2 -I{} dotnet "$DLL" user add "u{}@cluster.test" --password "$PASSWORD" \
  --config "$(node_dir 1)/node.conf" --data-dir "$(node_dir 1)/data" >/dev/null
RCPTS=$( (for i in $(seq 1 "$USERS"); do echo "u$i@cluster.test"; done; for d in $(seq 1 "$DOMAINS"); do echo "rcpt@d$d.remote.test"; done) | paste -sd, -)
HOSTS="$(node_ip 1),$(node_ip 2),$(node_ip 3)"
sleep 2 # every node has read the new accounts (refresh-interval 1s)

touch "$WORK/acked.ids"
if [ $MODE = rolling ]; then
  # Mail flows until every node has been restarted once (the stop file), however long that takes.
  log "sending over $SENDERS sessions spread across $HOSTS while each node is restarted in turn"
  "${FL[@]}" send --hosts "$HOSTS" --port "$SMTP" --to "$RCPTS" --count 0 --stop-file "$WORK/stop" --senders "$SENDERS" --per-session 50 \
    --pause 0.02 --acked "$WORK/acked.ids" --run rolling --stats "$WORK/send.stats" --timeout 90 > "$WORK/send.out" 2>&1 &
  SEND_PID=$!
  sleep 5
  ctl 1 cluster show > "$WORK/cluster-before.txt"
  ctl 1 shards stats > "$WORK/shards-before.txt"
  for i in 1 2 3; do
    log "node $i: SIGTERM ($(wc -l < "$WORK/acked.ids") acknowledged so far)"
    bash "$HERE/stop.sh" "$i" >&2
    sleep 3
    bash "$HERE/start.sh" "$i" >&2
    wait_members_up $(( i % 3 + 1 )) 3
  done
  sleep 5
  touch "$WORK/stop"
  wait "$SEND_PID" || true
  SEND_PID=
  cat "$WORK/send.out" >&2
  ACKED_AT_KILL=- REMOVED=- REHOMED=-
  ctl 1 cluster show > "$WORK/cluster-after-kill.txt" || true
  ctl 1 shards stats > "$WORK/shards-after-kill.txt" || true
else
log "sending $MESSAGES messages over $SENDERS sessions spread across $HOSTS"
"${FL[@]}" send --hosts "$HOSTS" --port "$SMTP" --to "$RCPTS" --count "$MESSAGES" --senders "$SENDERS" --per-session 50 \
  --acked "$WORK/acked.ids" --run failover --stats "$WORK/send.stats" --timeout 90 > "$WORK/send.out" 2>&1 &
SEND_PID=$!
while [ "$(wc -l < "$WORK/acked.ids" 2>/dev/null || echo 0)" -lt $((MESSAGES / 3)) ]; do
  kill -0 "$SEND_PID" 2>/dev/null || { cat "$WORK/send.out" >&2; log "FAIL: the sender ended early"; exit 1; }
  sleep 0.2
done
ctl 1 queue list --json > "$WORK/queues-before.json"
ctl 1 cluster show > "$WORK/cluster-before.txt"
ctl 1 shards stats > "$WORK/shards-before.txt"
bash "$HERE/kill.sh" 2 >&2
KILLED_AT=$(date +%s.%N) # once the process is gone: nothing it had in flight can count as re-homed
ACKED_AT_KILL=$(wc -l < "$WORK/acked.ids")
log "node 2 killed with $ACKED_AT_KILL acknowledged; restarting it in $RESTART_AFTER s"
REMOVED=never
until [ "$(echo "$(date +%s.%N) - $KILLED_AT > $RESTART_AFTER" | bc)" = 1 ]; do
  if [ "$REMOVED" = never ] && ! ctl 1 cluster show 2>/dev/null | grep -q "$(node_ip 2):"; then
    REMOVED=$(printf '%.1fs' "$(echo "$(date +%s.%N) - $KILLED_AT" | bc)")
    log "node 2 removed from the cluster after $REMOVED"
  fi
  sleep 0.5
done
ctl 1 cluster show > "$WORK/cluster-after-kill.txt" || true
ctl 1 shards stats > "$WORK/shards-after-kill.txt" || true
bash "$HERE/start.sh" 2 >&2
wait "$SEND_PID" || true
SEND_PID=
cat "$WORK/send.out" >&2
fi
ACKED=$(sort -u "$WORK/acked.ids" | wc -l)

log "waiting for every acknowledged message to arrive ($ACKED acknowledged)"
deadline=$(( $(date +%s) + 240 ))
USER_LIST=$(for i in $(seq 1 "$USERS"); do echo -n "u$i@cluster.test,"; done)
while true; do
  : > "$WORK/mailbox.ids"
  "${FL[@]}" collect-pop3 --host "$(node_ip 1)" --port "$POP3" --users "${USER_LIST%,}" --password "$PASSWORD" --out "$WORK/mailbox.ids" >/dev/null
  cat "$WORK/mailbox.ids" "$WORK/sink.ids" > "$WORK/got.ids"
  missing=$(comm -23 <(sort -u "$WORK/acked.ids") <(sort -u "$WORK/got.ids") | wc -l)
  [ "$missing" -eq 0 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 3
done
ctl 1 cluster show > "$WORK/cluster-after.txt" || true
ctl 1 shards stats > "$WORK/shards-after.txt" || true

# The first delivery after the kill by a queue that lived on node 2.
[ $MODE = rolling ] || REHOMED=$(python3 - "$WORK/queues-before.json" "$WORK/sink.times" "$KILLED_AT" "$(node_ip 2)" <<'PY'
import json, sys
queues = json.load(open(sys.argv[1]))
killed_at = float(sys.argv[3])
on_killed = {q["queue"].split("#")[0] for q in queues if f"@{sys.argv[4]}:" in (q.get("node") or "")}
first = None
for line in open(sys.argv[2]):
    t, domain = line.split()
    if float(t) >= killed_at and domain in on_killed:
        first = float(t) if first is None else min(first, float(t))
print(f"{first - killed_at:.1f}s" if first is not None else ("n/a(no queue on node 2)" if not on_killed else "never"))
PY
)
R451=$(grep -E '^reply\.[a-z-]+:451=' "$WORK/send.stats" | cut -d= -f2 | paste -sd+ - | bc 2>/dev/null || echo 0)
ERRORS=$(grep -E '^session_errors=' "$WORK/send.stats" | cut -d= -f2 || echo 0)
# A rolling restart must cost clients nothing worse than a 4xx: any 5xx reply fails it.
FIVES=$(grep -E '^reply\.[a-z-]+:5[0-9][0-9]=' "$WORK/send.stats" | paste -sd' ' - || true)
set +e
RESULT=$("${FL[@]}" count --acked "$WORK/acked.ids" --got "$WORK/got.ids" --alive yes \
  --detail "kill_to_removed=$REMOVED kill_to_rehomed_delivery=$REHOMED transactions_451=${R451:-0} sessions_broken=${ERRORS:-0} acked_at_kill=$ACKED_AT_KILL")
status=$?
set -e
if [ -n "$FIVES" ]; then RESULT="$RESULT permanent_replies: $FIVES"; status=1; fi
echo "--- cluster before the kill"; cat "$WORK/cluster-before.txt"; cat "$WORK/shards-before.txt"
echo "--- $([ $MODE = rolling ] && echo "after the rolling restart" || echo "$RESTART_AFTER s after the kill")"
cat "$WORK/cluster-after-kill.txt"; cat "$WORK/shards-after-kill.txt"
echo "--- at the end"; cat "$WORK/shards-after.txt"
# The form test.sh counts (as the fault scripts' result lines).
NAME=$([ $MODE = rolling ] && echo rolling-restart || echo failover)
[ $status -eq 0 ] && echo "$NAME PASS $RESULT" || echo "$NAME FAIL $RESULT"
exit $status
