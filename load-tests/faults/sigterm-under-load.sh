#!/usr/bin/env bash
# SIGTERM under load with sessions parked inside DATA: senders keep the server busy, some sessions stop in
# the middle of DATA, then SIGTERM. New connections must be refused at once, the parked sessions must still
# get their 250 when they finish, the process must exit 0, and after a restart every acknowledged message
# (the senders' and the parked ones) must be in its mailbox.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init sigterm-under-load "$@"
PARKED=$([ $SHORT = 1 ] && echo 5 || echo 20)
SENDERS=$([ $SHORT = 1 ] && echo 10 || echo 40)

write_config
# Senders and parked sessions all come from 127.0.0.1; the long form opens 60 at once, over the default
# per-address limit of 50 (which then refuses the parked ones before they reach DATA).
echo 'actormta.smtp.max-connections-per-ip = 200' >>"$CONF"
add_users 5
server_start
"${FL[@]}" send --port "$SMTP_PORT" --to "$USERS" --senders "$SENDERS" --acked "$ACKED" --run "$RUN_ID" \
  --give-up-after 10 >"$WORK/send.out" &
SENDER=$!; BACKGROUND+=("$SENDER")
"${FL[@]}" park --port "$SMTP_PORT" --to "u1@$DOMAIN" --count "$PARKED" --acked "$ACKED" --run "$RUN_ID" \
  --ready-file "$WORK/parked" --go-file "$WORK/go" --stats "$WORK/park.stats" >"$WORK/park.out" &
PARKER=$!; BACKGROUND+=("$PARKER")
wait_for "[ -e '$WORK/parked' ] && echo 1 || echo 0" 1 60 || fail "sessions could not be parked inside DATA"
wait_for acked_count 200 120 || fail "only $(acked_count) acknowledgements under load"
log "SIGTERM with $(acked_count) acknowledged, $PARKED sessions parked inside DATA"
kill -TERM "$SERVER_PID"
refused() {
  python3 -c "import socket,sys
try: socket.create_connection(('127.0.0.1', $SMTP_PORT), 1).close()
except ConnectionRefusedError: print(1); sys.exit()
print(0)"
}
wait_for refused 1 10 || fail "new connections were still accepted 10 s after SIGTERM"
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited before the parked sessions finished"
touch "$WORK/go"
wait "$PARKER" || true
cat "$WORK/park.out" >&2
PARKED_ACKED=$(sed -n 's/^acked=//p' "$WORK/park.stats" 2>/dev/null || echo 0)
[ "$PARKED_ACKED" = "$PARKED" ] || fail "only $PARKED_ACKED of $PARKED sessions parked inside DATA got 250"
for _ in $(seq 450); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "the server did not exit within 90 s of SIGTERM"; server_kill; SERVER_EXIT=hung
else
  wait "$SERVER_PID" && SERVER_EXIT=0 || SERVER_EXIT=$?
  SERVER_PID=
fi
[ "$SERVER_EXIT" = 0 ] || fail "exit code $SERVER_EXIT after SIGTERM (expected 0)"
wait "$SENDER" || true
cat "$WORK/send.out" >&2
restart_collect_finish "parked=$PARKED parked_acked=$PARKED_ACKED exit_code=$SERVER_EXIT"
