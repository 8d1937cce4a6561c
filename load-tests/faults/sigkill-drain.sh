#!/usr/bin/env bash
# SIGKILL while the queue drains: messages for remote.test are queued while its receiver is down, then the
# counting receiver comes up and, once a third of them arrived, the server is killed and restarted. Every
# acknowledged message must reach the receiver (a message delivered but not yet marked done before the
# kill may arrive twice: reported as duplicated, allowed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init sigkill-drain "$@"
MESSAGES=$([ $SHORT = 1 ] && echo 600 || echo 3000)
RECEIVER_PORT=$SPARE_PORT1

write_config "
actormta.smtp.relay-networks = [\"127.0.0.0/8\"]
actormta.delivery {
  routes { \"remote.test\" = \"127.0.0.1:$RECEIVER_PORT\" }
  throttles { \"remote.test\" { max-connections = 10, max-messages-per-connection = 100 } }
  retry-schedule = [2s]
  retry-jitter = 0
  domain-backoff = 2s
  connect-timeout = 2s
}"
add_users 1
server_start
log "queueing $MESSAGES messages for remote.test while its receiver is down"
"${FL[@]}" send --port "$SMTP_PORT" --to "rcpt@remote.test" --count "$MESSAGES" --senders 20 --acked "$ACKED" \
  --run "$RUN_ID" --give-up-after 10 >&2
[ "$(acked_count)" -eq "$MESSAGES" ] || fail "only $(acked_count) of $MESSAGES messages acknowledged before the kill"
RECEIVER_DELAY=0.05 receiver "$RECEIVER_PORT" ok
log "receiver up; SIGKILL once $((MESSAGES / 3)) arrived"
wait_for got_count $((MESSAGES / 3)) 120 || fail "the queue did not drain a third in 120 s ($(got_count) arrived)"
server_kill
log "killed with $(got_count) of $(acked_count) at the receiver"
server_start
wait_all_arrived 180 || fail "not every acknowledged message reached the receiver within 180 s of the restart"
ALIVE=$(alive)
server_term
finish "$ALIVE" "arrived_at_kill=$((MESSAGES / 3))+"
