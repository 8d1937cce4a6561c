#!/usr/bin/env bash
# cluster/stop.sh I: SIGTERM node I and wait for it: sessions finish, it leaves the cluster, its shards move.
source "$(dirname "$0")/lib.sh"
i=${1:?usage: cluster/stop.sh I}
pid=$(node_pid "$i")
alive "$pid" || die "node $i does not run"
kill -TERM "$pid"
for _ in $(seq 1 120); do alive "$pid" || break; sleep 0.5; done
alive "$pid" && die "node $i still runs 60s after SIGTERM"
echo "node$i stopped (pid $pid)"
