#!/usr/bin/env bash
# cluster/shaping-test.sh [--short]: a provider's limits hold across the whole cluster. PostgreSQL + 3 nodes on
# loopback (cluster/up.sh in a private directory); DOMAINS remote domains whose MX records all name the provider's
# two hosts (one site, MX rollup), a provider rule of 5 connections and 50 messages a second, and mail for them sent
# through all three nodes, so the domains' queues (each allowed 4 connections of its own) live on every node.
# The provider is suspended (ctl site suspend) while the mail is accepted and resumed once all of it is queued, so
# the backlog drains at the limits with the whole cluster pushing, and not at the pace mail arrives.
# A counting receiver records the most connections open at once and when each message arrived. Passes when every
# message arrived, the peak is at most 5, and no whole second of the receiver's clock, nor the run as a whole, saw
# more than 10 % over 50 messages.
#   long form (default): 3,000 messages, 30 domains     --short: 600, 20 (part of test.sh)
# Prints "shaping-cluster PASS|FAIL ..." (the form test.sh counts).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHORT=0
for arg in "$@"; do
  case $arg in
    --short) SHORT=1 ;;
    *) echo "usage: $0 [--short]" >&2; exit 2 ;;
  esac
done
MESSAGES=${MESSAGES:-$([ $SHORT = 1 ] && echo 600 || echo 3000)}
DOMAINS=${DOMAINS:-$([ $SHORT = 1 ] && echo 20 || echo 30)}
CONNECTIONS=${CONNECTIONS:-5} RATE=${RATE:-50}
WORK=$(mktemp -d /tmp/actormta-shaping.XXXXXX)
chmod 755 "$WORK" # PostgreSQL runs as the postgres user and must reach its data dir inside
export ACTORMTA_CLUSTER_DIR=$WORK/cluster ACTORMTA_CLUSTER_NET=${ACTORMTA_CLUSTER_NET:-127.0.0.5}
source "$HERE/lib.sh"
FL=(python3 "$REPO/load-tests/faults/faultlib.py")
log() { echo "[shaping $(date -u +%H:%M:%S)] $*" >&2; }
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  bash "$HERE/down.sh" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

read -r SINK_PORT DNS_PORT < <("${FL[@]}" ports 2 | paste -sd' ')
# A few milliseconds per message keep connections open long enough to overlap, so a broken limit would show.
"${FL[@]}" receiver --port "$SINK_PORT" --times "$WORK/sink.times" --peak "$WORK/peak" --delay 0.005 & PIDS+=($!)
"${FL[@]}" dns --port "$DNS_PORT" --mx-hosts mx1.bigprov.test,mx2.bigprov.test & PIDS+=($!)
cat > "$WORK/extra.conf" <<CONF
actormta.smtp.relay-networks = ["127.0.0.0/8"]
actormta.smtp.max-connections-per-ip = 1000
actormta.delivery { dns-servers = ["127.0.0.1:$DNS_PORT"], remote-smtp-port = $SINK_PORT, retry-schedule = [1s, 2s, 5s] }
actormta.delivery.throttles { "*" { max-connections = 4, max-messages-per-connection = 20 } }
actormta.shaping.providers.bigprov {
  match = [".bigprov.test"]
  connection-limit = $CONNECTIONS
  provider-connection-limit = $CONNECTIONS
  message-rate = "$RATE/s"
  connection-rate = unlimited
  messages-per-connection = 20
}
CONF
export ACTORMTA_CLUSTER_CONF=$WORK/extra.conf
log "starting PostgreSQL and 3 nodes"
bash "$HERE/up.sh" 3 >&2
actormta 1 domain add cluster.test >/dev/null

RCPTS=$(for d in $(seq 1 "$DOMAINS"); do echo "rcpt@d$d.bigprov-customer.test"; done | paste -sd,)
HOSTS="$(node_ip 1),$(node_ip 2),$(node_ip 3)"
ctl 1 site suspend bigprov --for 10m >&2
log "sending $MESSAGES messages for $DOMAINS domains on one site through $HOSTS"
"${FL[@]}" send --hosts "$HOSTS" --port "$SMTP" --to "$RCPTS" --count "$MESSAGES" --senders 12 --per-session 25 \
  --acked "$WORK/acked.ids" --run shaping --timeout 90 > "$WORK/send.out" 2>&1
ACKED=$(wc -l < "$WORK/acked.ids")
# While mail is still queued (at 50 a second it is): on how many nodes its queues live.
queues=$(ctl 1 queue list --json 2>/dev/null | python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(len({r.get("node", "") for r in rows if "bigprov-customer" in r.get("queue", r.get("domain", ""))}))' 2>/dev/null || echo "?")
got_before=$(wc -l < "$WORK/sink.times" 2>/dev/null || echo 0)
ctl 2 site resume bigprov >&2
# At 50 a second the whole run needs MESSAGES/50 seconds; twice that and a minute is plenty.
deadline=$(( $(date +%s) + MESSAGES / RATE * 2 + 60 ))
while [ "$(wc -l < "$WORK/sink.times" 2>/dev/null || echo 0)" -lt "$ACKED" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
python3 - "$WORK/sink.times" "$(cat "$WORK/peak" 2>/dev/null || echo 0)" "$ACKED" "$MESSAGES" "$CONNECTIONS" "$RATE" "$queues" "$got_before" <<'PY'
import sys
times_path, peak, acked, messages, connections, rate, nodes, early = sys.argv[1:]
peak, acked, messages, connections, rate = int(peak), int(acked), int(messages), int(connections), int(rate)
times = sorted(float(line.split()[0]) for line in open(times_path) if line.strip())
got = len(times)
# The rate per second as the receiver counts it: arrivals per whole second of its clock; the first and last
# seconds of the run are partial and left out.
per_second = {}
for t in times:
    per_second[int(t)] = per_second.get(int(t), 0) + 1
whole = sorted(per_second)[1:-1]
busiest = max((per_second[s] for s in whole), default=0)
span = times[-1] - times[0] if got > 1 else 0.0
mean = (got - 1) / span if span > 0 else float("inf")
problems = []
if acked != messages: problems.append(f"only {acked} of {messages} acknowledged")
if int(early) > 0: problems.append(f"{early} messages delivered while the provider was suspended")
if got < acked: problems.append(f"{acked - got} acknowledged messages never arrived")
if peak > connections: problems.append(f"peak {peak} connections > {connections}")
if busiest > rate * 1.1: problems.append(f"busiest second {busiest} > {rate} + 10%")
if mean > rate * 1.1: problems.append(f"mean rate {mean:.1f}/s > {rate} + 10%")
verdict = "PASS" if not problems else "FAIL"
print(f"shaping-cluster {verdict} messages={got}/{acked} peak_connections={peak}/{connections} "
      f"busiest_second={busiest}/{rate} mean_per_s={mean:.1f}/{rate} span_s={span:.1f} queue_nodes={nodes}"
      + ("" if not problems else " problems: " + "; ".join(problems)))
sys.exit(0 if not problems else 1)
PY
