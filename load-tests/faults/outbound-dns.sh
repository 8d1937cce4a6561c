#!/usr/bin/env bash
# DNS faults on the way out: the resolver answers SERVFAIL for one domain and never answers for another
# (a tiny DNS responder on a loopback port; ok.test resolves normally as a control). Mail for them must be
# deferred (4.4.3, no bounce to the sender) and delivered, every message, once DNS is healed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init outbound-dns "$@"
PER_DOMAIN=$([ $SHORT = 1 ] && echo 20 || echo 200)
FAULT_SECONDS=$([ $SHORT = 1 ] && echo 5 || echo 30)
HEAL=$WORK/healed
RECEIVER_PORT=$SPARE_PORT1
DNS_PORT=$SPARE_PORT2

write_config "$(outbound_settings)
actormta.delivery.dns-servers = [\"127.0.0.1:$DNS_PORT\"]
actormta.delivery.remote-smtp-port = $RECEIVER_PORT"
add_users 1
"${FL[@]}" dns --port "$DNS_PORT" --heal-file "$HEAL" >>"$WORK/dns.log" 2>&1 &
BACKGROUND+=("$!")
receiver "$RECEIVER_PORT" ok
server_start
for domain in ok.test servfail.test timeout.test; do
  "${FL[@]}" send --port "$SMTP_PORT" --sender "u1@$DOMAIN" --to "rcpt@$domain" --count "$PER_DOMAIN" --senders 5 \
    --acked "$ACKED" --run "$RUN_ID-$domain" >&2
done
[ "$(acked_count)" -eq $((3 * PER_DOMAIN)) ] || fail "only $(acked_count) of $((3 * PER_DOMAIN)) messages acknowledged"
log "DNS faulty for $FAULT_SECONDS s"
sleep "$FAULT_SECONDS"
ARRIVED_DURING=$(got_count)
[ "$ARRIVED_DURING" -eq "$PER_DOMAIN" ] || fail "$ARRIVED_DURING messages arrived during the DNS faults (expected the $PER_DOMAIN for ok.test)"
BOUNCED=$(bounces)
[ "$BOUNCED" -eq 0 ] || fail "$BOUNCED bounces during the DNS faults (must be deferred, not bounced)"
touch "$HEAL"
log "DNS healed"
finish_outbound "healing DNS"
