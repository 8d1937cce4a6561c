#!/usr/bin/env bash
# cluster/down.sh: stops exactly what cluster/up.sh started (the nodes and PostgreSQL, by PID) and removes its files.
source "$(dirname "$0")/lib.sh"
[ -e "$STATE/nodes" ] || { echo "cluster: nothing up in $STATE"; exit 0; }
for i in $(seq 1 "$(nodes)"); do
  pid=$(node_pid "$i")
  if alive "$pid"; then kill -TERM "$pid"; fi
done
for i in $(seq 1 "$(nodes)"); do
  pid=$(node_pid "$i")
  for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
  alive "$pid" && kill -KILL "$pid"
done
if [ -f "$STATE/pg/pid" ] && alive "$(cat "$STATE/pg/pid")"; then
  as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast -w -t 30 stop >/dev/null || kill -KILL "$(cat "$STATE/pg/pid")"
fi
rm -rf "$STATE"
echo "cluster down"
