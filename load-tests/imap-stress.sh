#!/usr/bin/env bash
# The IMAP multi-session stress test: a fresh single-node server on free loopback ports, N clients on one
# mailbox issuing random pipelined APPEND, FETCH, STORE (flags and keywords), SEARCH, COPY, MOVE, EXPUNGE,
# CLOSE, NOOP and IDLE; each client checks every response against its model of its view (actormta-load
# imap-stress). Fails on any violation, or when the server logged an error or an exception.
#
#   load-tests/imap-stress.sh             20 clients for 60 s
#   load-tests/imap-stress.sh --short     5 clients for 10 s (part of test.sh)
#   CLIENTS=N DURATION=60s SEED=N load-tests/imap-stress.sh   other sizes and seeds
#   STRESS_SERVER_DLL=/other/tree/.../actormta.dll load-tests/imap-stress.sh   against another build of the server
#   FAULT_KEEP=1 keeps the work dir (server log, the tool's full output stress.out)
#   STRESS_TRANSCRIPTS=DIR writes every client's whole transcript to DIR/client-N.log
#
# Prints one line "imap-stress PASS|FAIL SECONDS ..." (the form test.sh counts).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
short=0
[ "${1:-}" = --short ] && short=1
CLIENTS=${CLIENTS:-$([ $short = 1 ] && echo 5 || echo 20)}
DURATION=${DURATION:-$([ $short = 1 ] && echo 10s || echo 60s)}
SEED=${SEED:-$RANDOM}
# lib.sh gives the server plumbing of the fault suite (ports, config, users, start/stop, cleanup).
source "$HERE/faults/lib.sh"
ACTORMTA_DLL=${STRESS_SERVER_DLL:-$ACTORMTA_DLL}
fault_init imap-stress
LOAD_DLL=$ROOT/load-tests/ActorMTA.LoadTests/bin/Release/net10.0/actormta-load.dll
if [ ! -f "$LOAD_DLL" ]; then
  dotnet build -c Release -nologo -v quiet "$ROOT/load-tests/ActorMTA.LoadTests/ActorMTA.LoadTests.csproj" >"$WORK/build-load.log" 2>&1 \
    || { cat "$WORK/build-load.log" >&2; exit 1; }
fi
t0=$SECONDS
write_config "actormta.imap.max-connections-per-ip = 1000"
add_users 1
server_start
dotnet "$LOAD_DLL" imap-stress --imap "127.0.0.1:$IMAP_PORT" --user "u1@$DOMAIN" --password "$PASSWORD" \
  --clients "$CLIENTS" --duration "$DURATION" --seed "$SEED" ${STRESS_TRANSCRIPTS:+--transcripts "$STRESS_TRANSCRIPTS"} \
  >"$WORK/stress.out" 2>&1
rc=$?
server_term
errors=$(grep -cE '^\[ERROR\]|Unhandled exception|   at ActorMTA\.' "$SERVER_LOG" || true)
result=$(grep -m1 '^RESULT ' "$WORK/stress.out" || echo "RESULT imap-stress FAIL (no result line)")
verdict=PASS
if [ $rc -ne 0 ] || [ "$errors" -ne 0 ] || [ "$SERVER_EXIT" != 0 ]; then verdict=FAIL; fi
if [ $verdict = FAIL ]; then
  grep -vE '^  +[0-9]+ s ' "$WORK/stress.out" | tail -n 150 >&2
  [ "$errors" -eq 0 ] || { echo "server errors:" >&2; grep -E '^\[ERROR\]|Unhandled exception' "$SERVER_LOG" | head -n 10 | cut -c1-400 >&2; }
else
  grep -E '^commands:|^latency|^  [A-Z]' "$WORK/stress.out" >&2
fi
echo "imap-stress $verdict $((SECONDS - t0))s clients=$CLIENTS duration=$DURATION seed=$SEED ${result#RESULT imap-stress } server_log_errors=$errors exit_code=$SERVER_EXIT"
[ $verdict = PASS ]
