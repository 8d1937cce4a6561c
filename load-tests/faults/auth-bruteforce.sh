#!/usr/bin/env bash
# AUTH brute force: many connections from 127.0.0.7 try AUTH PLAIN with wrong passwords for a real user as
# fast as the server answers. No wrong password may ever be accepted, the attack must be slowed (its rate is
# reported), and meanwhile the real user logs in from 127.0.0.1 within 5 s and a normal client is served
# within 2 s (each wrong password still costs a PBKDF2 check: on a 2-core machine the first burst of them
# takes the CPU for a moment), each SMTP probe delivering a message that must be in the mailbox at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init auth-bruteforce "$@"
if [ $SHORT = 1 ]; then CONNECTIONS=20; DURATION=6; else CONNECTIONS=100; DURATION=60; fi

write_config
add_users 2
server_start
prober_start --ports "$SMTP_PORT" --protos smtp --deadline 2 --interval 0.5 \
  --to "u2@$DOMAIN" --run "$RUN_ID-probe" --source 127.0.0.1
"${FL[@]}" bruteforce --port "$SMTP_PORT" --user "u1@$DOMAIN" --connections "$CONNECTIONS" --seconds "$DURATION" \
  --source-ips 127.0.0.7,127.0.0.8 --stats "$WORK/brute.stats" >"$WORK/brute.out" &
BRUTE=$!; BACKGROUND+=("$BRUTE")
sleep $((DURATION / 2))
check "the real user logs in within 5 s during the attack" \
  timeout 5 "${FL[@]}" login --port "$SMTP_PORT" --user "u1@$DOMAIN" --password "$PASSWORD" --source 127.0.0.1
wait "$BRUTE" || true
touch "$WORK/stop"
PROBER_RC=0; wait "$PROBER" || PROBER_RC=$?
cat "$WORK/brute.out" "$WORK/prober.out" >&2
[ "$PROBER_RC" = 0 ] || fail "a normal client was not served within 2 s during the attack ($(head -1 "$WORK/prober.out"))"
ACCEPTED=$(sed -n 's/^WRONG_PASSWORD_ACCEPTED=//p' "$WORK/brute.stats"); ACCEPTED=${ACCEPTED:-0}
[ "$ACCEPTED" -eq 0 ] || fail "$ACCEPTED wrong passwords were accepted"
ATTEMPTS=$(sed -n 's/^attempts=//p' "$WORK/brute.stats"); RATE=$(sed -n 's/^per_second=//p' "$WORK/brute.stats")
ALIVE=$(alive)
[ "$ALIVE" = yes ] && "${FL[@]}" collect-pop3 --port "$POP3_PORT" --users "u2@$DOMAIN" --password "$PASSWORD" --out "$GOT" >&2
server_term
finish "$ALIVE" "attempts=${ATTEMPTS:-0} attempts_per_second=${RATE:-0} wrong_accepted=$ACCEPTED"
