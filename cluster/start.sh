#!/usr/bin/env bash
# cluster/start.sh I: starts node I again (after kill.sh, stop.sh or a crash) and waits until it is ready.
source "$(dirname "$0")/lib.sh"
i=${1:?usage: cluster/start.sh I}
[ -f "$(node_dir "$i")/node.conf" ] || die "no node $i in $STATE"
mark_log "$i"
start_node "$i"
wait_ready "$i"
echo "node$i started (pid $(node_pid "$i"))"
