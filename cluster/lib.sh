# Shared by the cluster/ scripts (sourced). A development cluster on loopback only: PostgreSQL on 127.0.0.1 and a
# free port, node I on ${ACTORMTA_CLUSTER_NET}I (127.0.0.11, 127.0.0.12, ...), all state under $STATE.
# Environment:
#   ACTORMTA_CLUSTER_DIR   where everything lives (default /tmp/actormta-cluster); one cluster per directory
#   ACTORMTA_CLUSTER_NET   address prefix of the nodes (default 127.0.0.1 -> 127.0.0.11..1N); must be in 127.0.0.0/8
#   ACTORMTA_CLUSTER_CONF  extra HOCON appended to every node's configuration (a file)
#   ACTORMTA_CLUSTER_PG_OPTS  extra postgres options for up.sh, e.g. "-c shared_preload_libraries=pg_stat_statements"
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${ACTORMTA_CLUSTER_DIR:-${TMPDIR:-/tmp}/actormta-cluster}"
# A running cluster's own prefix wins, so that status.sh, kill.sh, ... need only ACTORMTA_CLUSTER_DIR.
NET="$(cat "$STATE/net" 2>/dev/null || echo "${ACTORMTA_CLUSTER_NET:-127.0.0.1}")"
DLL="$REPO/src/ActorMTA.Host/bin/Release/net10.0/actormta.dll"
REMOTING_PORT=4053
ADMIN_PORT=4080
case "$NET" in 127.*) ;; *) echo "ACTORMTA_CLUSTER_NET must be a loopback prefix (127.x)" >&2; exit 2 ;; esac

# The standard ports when we may bind them (root), else the development ports of hocon/actormta.conf.
if [ "$(id -u)" = 0 ]; then
  SMTP=25 SUBMISSION=587 SMTPS=465 POP3=110 POP3S=995 IMAP=143 IMAPS=993
else
  SMTP=2525 SUBMISSION=2587 SMTPS=2465 POP3=2110 POP3S=2995 IMAP=2143 IMAPS=2993
fi

die() { echo "cluster: $*" >&2; exit 1; }
node_ip() { echo "${NET}$1"; }
node_dir() { echo "$STATE/node$1"; }
node_pid() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# actormta with node I's configuration (the accounts and journal are shared: any node's config will do).
actormta() { local i=$1; shift; dotnet "$DLL" "$@" --config "$(node_dir "$i")/node.conf" --data-dir "$(node_dir "$i")/data"; }
ctl() { local i=$1; shift; actormta "$i" ctl "$@"; }

nodes() { cat "$STATE/nodes" 2>/dev/null || echo 0; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_node() {
  local i=$1 dir; dir=$(node_dir "$i")
  alive "$(node_pid "$i")" && die "node $i already runs (pid $(node_pid "$i"))"
  mkdir -p "$dir/data"
  : > "$dir/ready"
  # setsid: a Ctrl-C in the shell that ran up.sh does not reach the nodes.
  setsid dotnet "$DLL" run --config "$dir/node.conf" --data-dir "$dir/data" >> "$dir/log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
}

# Waits for "ActorMTA ready" in this run's part of the log.
wait_ready() {
  local i=$1 timeout=${2:-90} dir start; dir=$(node_dir "$i"); start=$(date +%s)
  local from; from=$(cat "$dir/log.offset" 2>/dev/null || echo 0)
  while ! tail -c +"$((from + 1))" "$dir/log" 2>/dev/null | grep -q "ActorMTA ready"; do
    alive "$(node_pid "$i")" || { tail -20 "$dir/log" >&2; die "node $i exited before it was ready"; }
    [ $(( $(date +%s) - start )) -lt "$timeout" ] || { tail -20 "$dir/log" >&2; die "node $i not ready after ${timeout}s"; }
    sleep 0.5
  done
}

mark_log() { local dir; dir=$(node_dir "$1"); stat -c %s "$dir/log" 2>/dev/null > "$dir/log.offset" || echo 0 > "$dir/log.offset"; }

# Waits until `cluster show` on node I lists N members Up.
wait_members_up() {
  local i=$1 n=$2 timeout=${3:-120} start; start=$(date +%s)
  while true; do
    local up; up=$(ctl "$i" cluster show --json 2>/dev/null | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin) if m["status"]=="Up"))' 2>/dev/null || echo 0)
    [ "$up" = "$n" ] && return 0
    [ $(( $(date +%s) - start )) -lt "$timeout" ] || die "only $up of $n members Up after ${timeout}s"
    sleep 1
  done
}
