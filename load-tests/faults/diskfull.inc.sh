# The disk-full scenario, shared by disk-full-spool.sh (WHAT=spool: the spool directory on a small tmpfs)
# and disk-full-journal.sh (WHAT=journal: the data dir with journal, snapshots and accounts on it, the spool
# elsewhere). Sourced after lib.sh; runs in a private mount namespace, so the tmpfs is seen only here.
#
# 1. mail is delivered to u1, u2, u4, and 20 "victims" to u3;  2. the tmpfs is filled to the last byte;
# 3. senders keep sending: every message must be answered (250 or 4xx), never dropped after the data;
# 4. while full: u1 reads over POP3, u2 logs in over IMAP for the first time, u3 deletes its mail (POP3 DELE,
#    QUIT) and the deletion holds, each within 5 s;  5. the filler is removed: mail must be accepted again
#    within 30 s, by itself;  6. (journal) the server must refuse to start on a full disk with exit code 1 and
#    a one-line reason, not crash;  7. every acknowledged message is in its mailbox.
in_private_mounts "$@"
fault_init "disk-full-$WHAT" "$@"
FULL_SECONDS=$([ $SHORT = 1 ] && echo 5 || echo 30)
SMALL=$WORK/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=64m tmpfs "$SMALL"
if [ "$WHAT" = spool ]; then
  write_config "actormta.storage.spool-dir = \"$SMALL/spool\""
else
  DATA=$SMALL/data
  write_config "actormta.storage.spool-dir = \"$WORK/spool\""
fi
add_users 4
server_start

fill() {
  dd if=/dev/zero of="$SMALL/filler" bs=1M status=none 2>/dev/null || true
  dd if=/dev/zero of="$SMALL/filler-tail" bs=4k status=none 2>/dev/null || true
  log "filled: $(df -h --output=avail "$SMALL" | tail -1 | tr -d ' ') left on the tmpfs"
}
unfill() { rm -f "$SMALL/filler" "$SMALL/filler-tail"; }

"${FL[@]}" send --port "$SMTP_PORT" --to "u1@$DOMAIN,u2@$DOMAIN,u4@$DOMAIN" --count 100 --senders 5 --acked "$ACKED" \
  --run "$RUN_ID" >&2
"${FL[@]}" send --port "$SMTP_PORT" --to "u3@$DOMAIN" --count 20 --senders 2 --acked "$WORK/victims.ids" \
  --run "$RUN_ID-victim" >&2
fill
# The load on the full disk goes to u4 only: u1 is read back below, and the long form acknowledged ~26,000
# 64 KiB messages here when only the journal is on the small disk (SQLite reuses its freed pages), which made
# "reading while full" a test of reading 1.6 GB in a deadline instead of a test of the full disk.
log "sending for $FULL_SECONDS s on the full disk"
"${FL[@]}" send --port "$SMTP_PORT" --to "u4@$DOMAIN" --senders 10 --size 65536 --acked "$ACKED" \
  --run "$RUN_ID-full" --max-seconds "$FULL_SECONDS" --timeout 40 --stats "$WORK/full.stats" >&2
DROPPED=$(sed -n 's/^dropped_after_data=//p' "$WORK/full.stats"); DROPPED=${DROPPED:-0}
[ "$DROPPED" -eq 0 ] || fail "$DROPPED sessions dropped after the message data without a reply (expected 452 4.3.1)"
ANSWERED_4XX=$(grep -E '^reply\..*:4[0-9][0-9]=' "$WORK/full.stats" | cut -d= -f2 | paste -sd+ | bc 2>/dev/null || echo 0)
check "POP3 reading while full (u1)" "${FL[@]}" pop3-read --port "$POP3_PORT" --user "u1@$DOMAIN" --password "$PASSWORD"
check "first IMAP login while full (u2)" "${FL[@]}" imap-read --port "$IMAP_PORT" --user "u2@$DOMAIN" --password "$PASSWORD"
check "POP3 DELE + QUIT while full (u3)" "${FL[@]}" pop3-read --port "$POP3_PORT" --user "u3@$DOMAIN" --password "$PASSWORD" --delete
LEFT=$("${FL[@]}" mailbox-count --port "$POP3_PORT" --user "u3@$DOMAIN" --password "$PASSWORD" 2>/dev/null || echo "?")
[ "$LEFT" = 0 ] || fail "u3 still has $LEFT messages after deleting them all while full"
unfill
log "space is back"
resumed=no
for _ in $(seq 30); do
  before=$(acked_count)
  "${FL[@]}" send --port "$SMTP_PORT" --to "u4@$DOMAIN" --count 1 --senders 1 --acked "$ACKED" --run "$RUN_ID-resume-$_" \
    --timeout 20 >/dev/null 2>&1 || true
  if [ "$(acked_count)" -gt "$before" ]; then resumed=yes; break; fi
  sleep 1
done
[ $resumed = yes ] || fail "mail was not accepted again within 30 s of space coming back"
START_ON_FULL=-
if [ "$WHAT" = journal ]; then
  server_term
  [ "$SERVER_EXIT" = 0 ] || fail "exit code $SERVER_EXIT after SIGTERM"
  fill
  set +e
  timeout 60 dotnet "$ACTORMTA_DLL" run --config "$CONF" --data-dir "$DATA" >"$WORK/start-full.out" 2>"$WORK/start-full.err"
  START_ON_FULL=$?
  set -e
  unfill
  log "start on the full disk: exit code $START_ON_FULL; stderr: $(head -c 300 "$WORK/start-full.err" | tr '\n' ' ')"
  [ "$START_ON_FULL" = 1 ] || fail "starting on a full disk gave exit code $START_ON_FULL (expected 1 with a one-line reason)"
  [ "$(grep -c . "$WORK/start-full.err")" -le 1 ] || fail "starting on a full disk printed $(grep -c . "$WORK/start-full.err") lines on stderr (expected one)"
  server_start
fi
"${FL[@]}" collect-pop3 --port "$POP3_PORT" --users "u1@$DOMAIN,u2@$DOMAIN,u4@$DOMAIN" --password "$PASSWORD" --out "$GOT" >&2
ALIVE=$(alive)
server_term
finish "$ALIVE" "dropped_after_data=$DROPPED answered_4xx=${ANSWERED_4XX:-0} resumed=$resumed start_on_full=$START_ON_FULL"
