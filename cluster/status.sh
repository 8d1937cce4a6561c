#!/usr/bin/env bash
# cluster/status.sh: each node's process, and the membership as the first running node sees it.
source "$(dirname "$0")/lib.sh"
[ -e "$STATE/nodes" ] || { echo "cluster: nothing up in $STATE"; exit 1; }
first=""
for i in $(seq 1 "$(nodes)"); do
  pid=$(node_pid "$i")
  if alive "$pid"; then echo "node$i $(node_ip "$i") pid $pid running"; first=${first:-$i}; else echo "node$i $(node_ip "$i") stopped"; fi
done
[ -n "$first" ] && ctl "$first" cluster show
