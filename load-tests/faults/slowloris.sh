#!/usr/bin/env bash
# Slowloris: many connections to SMTP, IMAP and POP3 (from 127.0.0.9) each send one byte every few seconds
# and never a whole line. A normal client (from 127.0.0.1) must be served within 1 s throughout, each SMTP
# probe delivering a message that must be in the mailbox at the end; and since a command line must complete
# within command-timeout in total (set short here), no dribbling connection may still be open when the run
# ends, well after that timeout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init slowloris "$@"
if [ $SHORT = 1 ]; then CONNECTIONS=100; DURATION=10; INTERVAL=1; TIMEOUT=4s
else CONNECTIONS=1000; DURATION=150; INTERVAL=10; TIMEOUT=60s; fi

# 3 x 1,000 client sockets here and as many on the server: raise the soft descriptor limit to the hard one.
ulimit -n "$(ulimit -Hn)"
write_config "
actormta.smtp.command-timeout = $TIMEOUT
actormta.pop3.command-timeout = $TIMEOUT
actormta.imap.command-timeout = $TIMEOUT"
add_users 1
server_start
prober_start --ports "$SMTP_PORT,$IMAP_PORT,$POP3_PORT" --protos smtp,imap,pop3 --deadline 1 --interval 0.5 \
  --to "u1@$DOMAIN" --run "$RUN_ID-probe" --source 127.0.0.1
for port in "$SMTP_PORT" "$IMAP_PORT" "$POP3_PORT"; do
  "${FL[@]}" slowloris --port "$port" --connections "$CONNECTIONS" --seconds "$DURATION" --interval "$INTERVAL" \
    --source-ips 127.0.0.9 --stats "$WORK/slow-$port.stats" >"$WORK/slow-$port.out" &
  BACKGROUND+=("$!")
done
sleep "$DURATION"
sleep 3
touch "$WORK/stop"
PROBER_RC=0; wait "$PROBER" || PROBER_RC=$?
cat "$WORK"/slow-*.out "$WORK/prober.out" >&2
[ "$PROBER_RC" = 0 ] || fail "a normal client was not served within 1 s during the slowloris ($(head -1 "$WORK/prober.out"))"
STILL_OPEN=$(cat "$WORK"/slow-*.stats | sed -n 's/^still_open=//p' | paste -sd+ | bc)
[ "$STILL_OPEN" -eq 0 ] || fail "$STILL_OPEN dribbling connections still open after $DURATION s (command-timeout $TIMEOUT)"
ALIVE=$(alive)
[ "$ALIVE" = yes ] && "${FL[@]}" collect-pop3 --port "$POP3_PORT" --users "u1@$DOMAIN" --password "$PASSWORD" --out "$GOT" >&2
server_term
finish "$ALIVE" "slow_connections=$((3 * CONNECTIONS)) still_open=$STILL_OPEN $(head -1 "$WORK/prober.out" | cut -d' ' -f2-)"
