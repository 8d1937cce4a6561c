#!/usr/bin/env bash
# cluster/kill.sh I: SIGKILL node I (a crash: nothing of its shutdown runs). cluster/start.sh I brings it back.
source "$(dirname "$0")/lib.sh"
i=${1:?usage: cluster/kill.sh I}
pid=$(node_pid "$i")
alive "$pid" || die "node $i does not run"
kill -KILL "$pid"
while alive "$pid"; do sleep 0.1; done
echo "node$i killed (pid $pid)"
