#!/usr/bin/env bash
# SIGKILL during inbound load: senders deliver into local mailboxes; the server is killed after a share of
# the messages was acknowledged, then restarted. Every acknowledged message must be in its mailbox.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fault_init sigkill-inbound "$@"
MESSAGES=$([ $SHORT = 1 ] && echo 600 || echo 3000)
KILL_AT=$((MESSAGES / 3))

write_config
add_users 5
server_start
log "sending $MESSAGES messages with 20 senders; SIGKILL after $KILL_AT acknowledgements"
"${FL[@]}" send --port "$SMTP_PORT" --to "$USERS" --count "$MESSAGES" --senders 20 --acked "$ACKED" --run "$RUN_ID" \
  --give-up-after 10 >"$WORK/send.out" &
SENDER=$!; BACKGROUND+=("$SENDER")
wait_for acked_count "$KILL_AT" 120 || fail "only $(acked_count) acknowledgements before the kill"
server_kill
log "killed with $(acked_count) acknowledged"
wait "$SENDER" || true
cat "$WORK/send.out" >&2
restart_collect_finish "killed_after=$KILL_AT"
