#!/usr/bin/env bash
# No usable resolver: delivery.dns-servers = [] and an empty /etc/resolv.conf (bind-mounted over the real one
# in a private mount namespace, so the host is not touched). Mail must be deferred, never bounced; after a
# restart with a working resolver every acknowledged message must be delivered. Needs root (unshare, mount).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
in_private_mounts "$@"
fault_init outbound-no-resolver "$@"
MESSAGES=$([ $SHORT = 1 ] && echo 20 || echo 200)
FAULT_SECONDS=$([ $SHORT = 1 ] && echo 5 || echo 30)
RECEIVER_PORT=$SPARE_PORT1
DNS_PORT=$SPARE_PORT2

: >"$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
write_config "$(outbound_settings)
actormta.delivery.dns-servers = []
actormta.delivery.remote-smtp-port = $RECEIVER_PORT"
add_users 1
receiver "$RECEIVER_PORT" ok
server_start
"${FL[@]}" send --port "$SMTP_PORT" --sender "u1@$DOMAIN" --to "rcpt@noresolver.test" --count "$MESSAGES" --senders 5 \
  --acked "$ACKED" --run "$RUN_ID" >&2
[ "$(acked_count)" -eq "$MESSAGES" ] || fail "only $(acked_count) of $MESSAGES messages acknowledged"
log "no resolver for $FAULT_SECONDS s"
sleep "$FAULT_SECONDS"
BOUNCED=$(bounces)
[ "$BOUNCED" -eq 0 ] || fail "$BOUNCED bounces without a resolver (must be deferred, not bounced)"
grep -iE "resolver|name server" "$SERVER_LOG" | head -3 | sed 's/^/  server: /' >&2 || true
if [ "$BOUNCED" -ge "$MESSAGES" ]; then
  # Every message already bounced: there is nothing left to deliver, waiting for it would only take time.
  ALIVE=$(alive)
  server_term
  finish "$ALIVE" "bounced=$BOUNCED"
fi
log "restarting with a working resolver"
server_term
[ "$SERVER_EXIT" = 0 ] || fail "exit code $SERVER_EXIT after SIGTERM"
"${FL[@]}" dns --port "$DNS_PORT" >>"$WORK/dns.log" 2>&1 &
BACKGROUND+=("$!")
write_config "$(outbound_settings)
actormta.delivery.dns-servers = [\"127.0.0.1:$DNS_PORT\"]
actormta.delivery.remote-smtp-port = $RECEIVER_PORT"
server_start
finish_outbound "the restart"
