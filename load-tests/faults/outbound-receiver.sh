#!/usr/bin/env bash
# Outbound receiver faults: three remote domains whose receivers close at connect, greet with 421, or never
# say anything. Mail for them must be deferred (no bounce to the sender) and delivered, every message, once
# the receivers are healed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init outbound-receiver "$@"
PER_DOMAIN=$([ $SHORT = 1 ] && echo 20 || echo 200)
FAULT_SECONDS=$([ $SHORT = 1 ] && echo 5 || echo 30)
HEAL=$WORK/healed

write_config "$(outbound_settings)
actormta.delivery.routes {
  \"close.test\" = \"127.0.0.1:$SPARE_PORT1\"
  \"greet421.test\" = \"127.0.0.1:$SPARE_PORT2\"
  \"silent.test\" = \"127.0.0.1:$SPARE_PORT3\"
}"
add_users 1
receiver "$SPARE_PORT1" close "$HEAL"
receiver "$SPARE_PORT2" 421 "$HEAL"
receiver "$SPARE_PORT3" silent "$HEAL"
server_start
for domain in close.test greet421.test silent.test; do
  "${FL[@]}" send --port "$SMTP_PORT" --sender "u1@$DOMAIN" --to "rcpt@$domain" --count "$PER_DOMAIN" --senders 5 \
    --acked "$ACKED" --run "$RUN_ID-$domain" >&2
done
[ "$(acked_count)" -eq $((3 * PER_DOMAIN)) ] || fail "only $(acked_count) of $((3 * PER_DOMAIN)) messages acknowledged"
log "receivers faulty for $FAULT_SECONDS s"
sleep "$FAULT_SECONDS"
[ "$(got_count)" -eq 0 ] || fail "$(got_count) messages arrived at a faulty receiver"
BOUNCED=$(bounces)
[ "$BOUNCED" -eq 0 ] || fail "$BOUNCED bounces during the receiver faults (must be deferred, not bounced)"
touch "$HEAL"
log "receivers healed"
finish_outbound "healing"
