#!/usr/bin/env bash
# The fault suite: every fault script, one result line each, then a summary. Exit 0 only when every script
# passed (no acknowledged message lost, the server alive, every check met).
#
#   load-tests/faults/run-all.sh             the long form, one script after the other (about 15 minutes)
#   load-tests/faults/run-all.sh --short     the short form for test.sh (about 2-3 minutes): shorter runs; the
#                                            scripts that measure no latency run 4 at a time, then the three
#                                            that time a probe client (bad-input, slowloris, auth-bruteforce)
#                                            run alone
#   load-tests/faults/run-all.sh [--short] NAME...   only these scripts (e.g. slowloris sigterm-under-load)
#
# The disk-full and no-resolver scripts need root (a private mount namespace with a tmpfs / a bind mount).
# Each script's stderr (its progress log) is kept in /tmp/actormta-fault-NAME.stderr when it fails.
set -uo pipefail
cd "$(dirname "$0")"
SHORT=
NAMES=()
for arg in "$@"; do
  case $arg in
    --short) SHORT=--short ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) NAMES+=("${arg%.sh}") ;;
  esac
done
# Order matters for the short form: these run side by side...
PARALLEL=(disk-full-journal outbound-dns outbound-receiver outbound-no-resolver sigkill-drain disk-full-spool
          sigkill-inbound sigterm-under-load)
# ...and these alone, because a probe client must be served within a deadline while they run.
TIMED=(bad-input slowloris auth-bruteforce)
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${PARALLEL[@]}" "${TIMED[@]}")
for name in "${NAMES[@]}"; do [ -x "./$name.sh" ] || { echo "no such fault script: $name" >&2; exit 2; }; done

if [ ! -f ../../src/ActorMTA.Host/bin/Release/net10.0/actormta.dll ]; then
  echo "[faults] building the server (Release)" >&2
  dotnet build -c Release -nologo -v quiet ../../src/ActorMTA.Host/ActorMTA.Host.csproj >&2 || exit 1
fi
OUT=$(mktemp -d /tmp/actormta-faults.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

run_one() {
  local name=$1 t0=$SECONDS rc=0
  "./$name.sh" $SHORT >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
  echo "$rc $((SECONDS - t0))" >"$OUT/$name.rc"
}

report() {
  local name=$1 rc seconds line verdict
  read -r rc seconds <"$OUT/$name.rc"
  line=$(grep -m1 '^acked=' "$OUT/$name.out" || echo "acked=? lost=? duplicated=? alive=? (no result line)")
  if [ "$rc" -eq 0 ]; then verdict=PASS; else verdict=FAIL; failed=$((failed + 1)); fi
  printf '%-22s %s %4ss %s\n' "$name" "$verdict" "$seconds" "$line"
  if [ "$rc" -ne 0 ]; then
    grep -v '^acked=' "$OUT/$name.out" | sed 's/^/    /'
    cp "$OUT/$name.err" "/tmp/actormta-fault-$name.stderr"
    echo "    (progress log: /tmp/actormta-fault-$name.stderr)"
  fi
}

failed=0
start=$SECONDS
is_timed() { local t; for t in "${TIMED[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }
if [ -n "$SHORT" ]; then
  side_by_side=()
  for name in "${NAMES[@]}"; do is_timed "$name" || side_by_side+=("$name"); done
  running=0
  for name in "${side_by_side[@]}"; do
    if [ $running -ge 4 ]; then wait -n; running=$((running - 1)); fi
    run_one "$name" &
    running=$((running + 1))
  done
  wait
  for name in "${side_by_side[@]}"; do report "$name"; done
  for name in "${NAMES[@]}"; do is_timed "$name" && { run_one "$name"; report "$name"; }; done
else
  for name in "${NAMES[@]}"; do run_one "$name"; report "$name"; done
fi
echo "fault suite${SHORT:+ (short)}: $(( ${#NAMES[@]} - failed )) of ${#NAMES[@]} passed in $((SECONDS - start)) s"
[ $failed -eq 0 ]
