#!/usr/bin/env bash
# Bad input on every port: connections send random bytes (with CRLFs sprinkled in, so many "commands"
# arrive) to SMTP, IMAP and POP3 at once. The server must stay alive, and a normal client on each port
# must be served within 1 s throughout; the prober's SMTP probes also deliver one message each, which must
# all be in the mailbox at the end. The garbage sessions should be closed by the server after a limited
# number of errors (reported as closed_by_server).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init bad-input "$@"
SECONDS_OF_GARBAGE=$([ $SHORT = 1 ] && echo 6 || echo 60)
CONNECTIONS=$([ $SHORT = 1 ] && echo 4 || echo 20)

write_config
add_users 1
server_start
prober_start --ports "$SMTP_PORT,$IMAP_PORT,$POP3_PORT" --protos smtp,imap,pop3 --deadline 1 --interval 0.5 \
  --to "u1@$DOMAIN" --run "$RUN_ID-probe"
for port in "$SMTP_PORT" "$IMAP_PORT" "$POP3_PORT"; do
  "${FL[@]}" garbage --port "$port" --connections "$CONNECTIONS" --seconds "$SECONDS_OF_GARBAGE" --source 127.0.0.3 \
    >"$WORK/garbage-$port.out" &
  BACKGROUND+=("$!")
done
sleep "$SECONDS_OF_GARBAGE"
sleep 2
touch "$WORK/stop"
PROBER_RC=0; wait "$PROBER" || PROBER_RC=$?
cat "$WORK"/garbage-*.out "$WORK/prober.out" >&2
[ "$PROBER_RC" = 0 ] || fail "a normal client was not served within 1 s while the garbage flowed ($(head -1 "$WORK/prober.out"))"
ALIVE=$(alive)
[ "$ALIVE" = yes ] && "${FL[@]}" collect-pop3 --port "$POP3_PORT" --users "u1@$DOMAIN" --password "$PASSWORD" --out "$GOT" >&2
server_term
CLOSED=$(cat "$WORK"/garbage-*.out | grep -o 'closed_by_server=[0-9]*' | cut -d= -f2 | paste -sd+ | bc 2>/dev/null || echo 0)
finish "$ALIVE" "garbage_sessions_closed_by_server=${CLOSED:-0} $(head -1 "$WORK/prober.out" | cut -d' ' -f2-)"
