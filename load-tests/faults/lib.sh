# Shared by the fault scripts (sourced, not run). A script calls fault_init NAME "$@" first, then
# write_config / server_start / ... and ends with finish (which prints the result line and exits).
#
# Every script: private temp dir, free loopback ports picked by Python, the Release server started as
# `actormta run --config FILE --data-dir DIR` (built if missing), Python clients from faultlib.py.
# FAULT_KEEP=1 keeps the temp dir (server log, acked/got id files) for a look afterwards.
# FAULT_EXTRA_CONFIG="HOCON" is appended to every server configuration (after the script's own keys).

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FAULTS_DIR/../.." && pwd)
ACTORMTA_DLL=$ROOT/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll
FL=(python3 "$FAULTS_DIR/faultlib.py")
DOMAIN=local.test
PASSWORD=fault-S3cret
SHORT=0
FAILURES=()
BACKGROUND=()
SERVER_PID=
SERVER_EXIT=

log() { echo "[$FAULT_NAME $(date -u +%H:%M:%S)] $*" >&2; }

# fault_init NAME ARGS...: parses --short, makes the work dir, builds the server if needed.
fault_init() {
  FAULT_NAME=$1; shift
  for arg in "$@"; do
    case $arg in
      --short) SHORT=1 ;;
      *) echo "usage: $0 [--short]" >&2; exit 2 ;;
    esac
  done
  WORK=${FAULT_WORK:-$(mktemp -d "/tmp/actormta-fault-$FAULT_NAME.XXXXXX")}
  mkdir -p "$WORK"
  DATA=$WORK/data
  CONF=$WORK/server.conf
  SERVER_LOG=$WORK/server.log
  ACKED=$WORK/acked.ids
  GOT=$WORK/got.ids
  : >"$ACKED"; : >"$GOT"; : >"$SERVER_LOG"
  RUN_ID=$FAULT_NAME-$(date +%s)
  trap fault_cleanup EXIT
  if [ ! -f "$ACTORMTA_DLL" ]; then
    log "building the server (Release)"
    dotnet build -c Release -nologo -v quiet "$ROOT/src/ActorMTA.Host/ActorMTA.Host.csproj" >"$WORK/build.log" 2>&1 \
      || { cat "$WORK/build.log" >&2; exit 1; }
  fi
  read -r SMTP_PORT POP3_PORT IMAP_PORT SPARE_PORT1 SPARE_PORT2 SPARE_PORT3 < <("${FL[@]}" ports 6)
}

fault_cleanup() {
  local pid
  for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -9 "$SERVER_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "${FAULT_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK" 2>/dev/null || true; fi
}

# write_config [HOCON...]: SMTP, POP3 and IMAP on the picked ports (the rest off), plaintext login allowed
# (loopback only), then the script's own keys, then $FAULT_EXTRA_CONFIG; later keys win.
write_config() {
  cat >"$CONF" <<EOF
actormta {
  hostname = "mail.$DOMAIN"
  listeners {
    smtp       { bind = "127.0.0.1", port = $SMTP_PORT, enabled = on }
    submission { enabled = off }
    smtps      { enabled = off }
    pop3       { bind = "127.0.0.1", port = $POP3_PORT, enabled = on }
    pop3s      { enabled = off }
    imap       { bind = "127.0.0.1", port = $IMAP_PORT, enabled = on }
    imaps      { enabled = off }
  }
  smtp.auth-requires-tls = off
  pop3.auth-requires-tls = off
  imap.auth-requires-tls = off
  accounts.refresh-interval = 500ms
}
$*
${FAULT_EXTRA_CONFIG:-}
EOF
}

cli() { dotnet "$ACTORMTA_DLL" "$@" --config "$CONF" --data-dir "$DATA"; }

# add_users N: domain local.test and users u1..uN (password $PASSWORD); USERS = "u1@local.test,...".
add_users() {
  cli domain add "$DOMAIN" >/dev/null
  USERS=
  local i
  for i in $(seq "$1"); do
    cli user add "u$i@$DOMAIN" --password "$PASSWORD" >/dev/null
    USERS+="${USERS:+,}u$i@$DOMAIN"
  done
}

# server_start: `actormta run` in the background; waits for "ActorMTA ready" (60 s).
server_start() {
  local mark
  mark=$(wc -l <"$SERVER_LOG" 2>/dev/null || echo 0)
  echo "=== start $(date -u +%H:%M:%S) ===" >>"$SERVER_LOG"
  dotnet "$ACTORMTA_DLL" run --config "$CONF" --data-dir "$DATA" >>"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local _
  for _ in $(seq 300); do
    tail -n +"$((mark + 1))" "$SERVER_LOG" | grep -q "ActorMTA ready" && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID"; SERVER_EXIT=$?
      log "server exited with $SERVER_EXIT while starting:"; tail -n 15 "$SERVER_LOG" >&2
      SERVER_PID=
      fail "the server did not start (exit code $SERVER_EXIT)"
      finish no
    fi
    sleep 0.2
  done
  fail "the server was not ready 60 s after start"
  finish no
}

# server_term [TIMEOUT_S]: SIGTERM and wait; SERVER_EXIT = its exit code (or "hung").
server_term() {
  local timeout=${1:-90} _
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq $((timeout * 5))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_EXIT=hung
  else
    wait "$SERVER_PID"; SERVER_EXIT=$?
  fi
  SERVER_PID=
}

server_kill() {
  [ -n "$SERVER_PID" ] || return 0
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  echo "=== SIGKILL $(date -u +%H:%M:%S) ===" >>"$SERVER_LOG"
  SERVER_PID=
}

# alive: "yes" when the process runs and answers an SMTP greeting + EHLO within 5 s.
alive() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null \
     && timeout 10 python3 -c "
import sys; sys.path.insert(0, '$FAULTS_DIR'); import faultlib
sys.exit(0 if faultlib.probe_once('127.0.0.1', $SMTP_PORT, 'smtp', 5.0) < 5 else 1)" 2>/dev/null; then
    echo yes
  else
    echo no
  fi
}

# acked_count / got_count: distinct ids acknowledged / found so far.
acked_count() { sort -u "$ACKED" | grep -c . || true; }
got_count() { sort -u "$GOT" | grep -c . || true; }

# all_acked_arrived: every acknowledged id is in the got file.
all_acked_arrived() { [ -z "$(comm -23 <(sort -u "$ACKED") <(sort -u "$GOT"))" ]; }
wait_all_arrived() {
  local timeout=$1 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do all_acked_arrived && return 0; sleep 0.5; done
  return 1
}

# receiver PORT MODE [HEAL-FILE]: the counting receiver (faultlib.py receiver) in the background, ids into $GOT.
# RECEIVER_DELAY (seconds before each 250) makes it slow.
receiver() {
  "${FL[@]}" receiver --port "$1" --mode "$2" ${3:+--heal-file "$3"} --out "$GOT" --delay "${RECEIVER_DELAY:-0}" \
    >>"$WORK/receiver.log" 2>&1 &
  BACKGROUND+=("$!")
  local _
  for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  log "receiver on $1 did not start"; return 1
}

# wait_for COUNT-COMMAND TARGET TIMEOUT_S: polls until the command prints a number >= TARGET.
wait_for() {
  local command=$1 target=$2 timeout=$3 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    [ "$(eval "$command")" -ge "$target" ] && return 0
    sleep 0.2
  done
  return 1
}

# prober_start ARGS...: a liveness prober in the background (PROBER), returning once its first, unjudged
# warm-up round is done, so that the attack started next meets a server that has already served each protocol.
prober_start() {
  rm -f "$WORK/prober.ready"
  "${FL[@]}" prober --stop-file "$WORK/stop" --acked "$ACKED" --ready-file "$WORK/prober.ready" "$@" >"$WORK/prober.out" &
  PROBER=$!; BACKGROUND+=("$PROBER")
  local start=$SECONDS
  until [ -e "$WORK/prober.ready" ]; do
    kill -0 "$PROBER" 2>/dev/null || { cat "$WORK/prober.out" >&2; fail "the prober stopped in its warm-up"; return 0; }
    [ $((SECONDS - start)) -lt 60 ] || { fail "the prober's warm-up took over 60 s"; return 0; }
    sleep 0.1
  done
}

# bounces: messages in the mailbox of u1 (the senders' address in the outbound scripts: their bounces land there).
# The end of an outbound fault script: every acknowledged message arrives within 120 s of WHEN, none bounced.
finish_outbound() {  # finish_outbound WHEN
  wait_all_arrived 120 || fail "not every acknowledged message arrived within 120 s of $1"
  local bounced still_alive
  bounced=$(bounces)
  [ "$bounced" -eq 0 ] || fail "$bounced bounces in the end"
  still_alive=$(alive)
  server_term
  finish "$still_alive" "bounced=$bounced"
}

# The end of a crash script: restart, collect every mailbox over POP3 into $GOT, stop, print the result line.
restart_collect_finish() {  # restart_collect_finish DETAIL
  server_start
  "${FL[@]}" collect-pop3 --port "$POP3_PORT" --users "$USERS" --password "$PASSWORD" --out "$GOT" >&2
  local still_alive
  still_alive=$(alive)
  server_term
  finish "$still_alive" "$1"
}

bounces() { "${FL[@]}" mailbox-count --port "$POP3_PORT" --user "u1@$DOMAIN" --password "$PASSWORD"; }

# outbound_settings: quick retries and short timeouts, so that a fault is retried within seconds.
outbound_settings() {
  cat <<EOF
actormta.smtp.relay-networks = ["127.0.0.0/8"]
actormta.delivery {
  retry-schedule = [2s]
  retry-jitter = 0
  domain-backoff = 2s
  connect-timeout = 2s
  command-timeout = 3s
  data-timeout = 5s
  dns-timeout = 1s
  dns-retries = 0
  connection-idle-time = 0s
}
EOF
}

# check CONDITION-TEXT COMMAND...: runs the command; a failure is recorded and fails the script at the end.
check() {
  local what=$1; shift
  if "$@"; then log "ok: $what"; else FAILURES+=("$what"); log "FAIL: $what"; fi
}
fail() { FAILURES+=("$1"); log "FAIL: $1"; }

# finish ALIVE [DETAIL]: prints the result line and exits non-zero on loss, a dead server or a failed check.
finish() {
  local alive=$1 detail=${2:-} rc=0
  local failed_detail="fault=$FAULT_NAME checks_failed=${#FAILURES[@]}"
  "${FL[@]}" count --acked "$ACKED" --got "$GOT" --alive "$alive" --detail "$failed_detail${detail:+ $detail}" || rc=1
  local f
  for f in "${FAILURES[@]}"; do echo "  failed: $f"; done
  [ ${#FAILURES[@]} -eq 0 ] || rc=1
  if [ $rc -ne 0 ] && [ "${FAULT_KEEP:-0}" != 1 ]; then
    echo "  server log, last warnings and errors (FAULT_KEEP=1 keeps the whole log):"
    grep -E '^\[(WARNING|ERROR)\]|Unhandled|Exception' "$SERVER_LOG" | tail -n 8 | cut -c1-400 | sed 's/^/    /'
  fi
  exit $rc
}

# in_private_mounts "$@": re-runs the calling script inside `unshare -m --propagation private` (once).
in_private_mounts() {
  if [ -z "${FAULT_IN_NAMESPACE:-}" ]; then
    command -v unshare >/dev/null || { echo "unshare (util-linux) is required" >&2; exit 2; }
    FAULT_IN_NAMESPACE=1 exec unshare -m --propagation private bash "$0" "$@"
  fi
}
