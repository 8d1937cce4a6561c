#!/usr/bin/env bash
# cluster/up.sh [N=3]: PostgreSQL (Debian's package, its own data dir, a free port on 127.0.0.1) and N ActorMTA nodes
# on 127.0.0.11 ... 127.0.0.1N with the standard ports, one cluster on the postgresql backend. Waits until every
# node is Up and prints the endpoints. cluster/down.sh stops exactly what this started. See lib.sh for the settings.
source "$(dirname "$0")/lib.sh"
N=${1:-3}
[ "$N" -ge 1 ] && [ "$N" -le 9 ] || die "N must be 1..9"
[ -e "$STATE/nodes" ] && die "a cluster is already up in $STATE (cluster/down.sh first)"

need=()
command -v python3 >/dev/null || need+=(python3)
[ -n "$(pg_bin)" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
[ -f "$DLL" ] || dotnet build -c Release -nologo -v quiet "$REPO/ActorMTA.sln" >/dev/null

mkdir -p "$STATE/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$STATE/pg"
PG_PORT=$(free_port)
as_postgres "$(pg_bin)/initdb" -D "$STATE/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -l "$STATE/pg/log" -w -t 60 \
  -o "-p $PG_PORT -k $STATE/pg -c listen_addresses=127.0.0.1 -c max_connections=300 ${ACTORMTA_CLUSTER_PG_OPTS:-}" start >/dev/null
cat "$STATE/pg/data/postmaster.pid" | head -1 > "$STATE/pg/pid"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE actormta" >/dev/null
# Prepared statements and no DISCARD ALL on every pooled connection: see storage.postgresql in hocon/actormta.conf.
CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=actormta;Timeout=15;Command Timeout=30;Max Auto Prepare=64;No Reset On Close=true"
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
echo "$N" > "$STATE/nodes"
echo "$NET" > "$STATE/net"
echo "$CONN" > "$STATE/connection-string"
echo "$TOKEN" > "$STATE/admin-token"; chmod 600 "$STATE/admin-token"

# One TLS certificate for the whole cluster (a real deployment points actormta.tls.certificate at its own).
SANS=$(for i in $(seq 1 "$N"); do printf 'DNS:node%s.cluster.test,IP:%s,' "$i" "$(node_ip "$i")"; done)
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=cluster.test" -addext "subjectAltName=${SANS%,}" \
  -keyout "$STATE/tls.key" -out "$STATE/tls.crt" 2>/dev/null
openssl pkcs12 -export -in "$STATE/tls.crt" -inkey "$STATE/tls.key" -out "$STATE/tls.pfx" -passout pass: 2>/dev/null
rm -f "$STATE/tls.key"

SEEDS=$(for i in $(seq 1 "$N"); do printf '"akka.tcp://actormta@%s:%s",' "$(node_ip "$i")" "$REMOTING_PORT"; done)
for i in $(seq 1 "$N"); do
  ip=$(node_ip "$i"); dir=$(node_dir "$i"); mkdir -p "$dir/data"
  cat > "$dir/node.conf" <<CONF
# Node $i of the development cluster in $STATE (written by cluster/up.sh).
actormta {
  hostname = "node$i.cluster.test"
  listeners {
    smtp       { bind = "$ip", port = $SMTP }
    submission { bind = "$ip", port = $SUBMISSION }
    smtps      { bind = "$ip", port = $SMTPS }
    pop3       { bind = "$ip", port = $POP3 }
    pop3s      { bind = "$ip", port = $POP3S }
    imap       { bind = "$ip", port = $IMAP }
    imaps      { bind = "$ip", port = $IMAPS }
  }
  admin { bind = "$ip", port = $ADMIN_PORT, token = "$TOKEN" }
  tls.certificate = "$STATE/tls.pfx"
  storage.backend = postgresql
  storage.postgresql.connection-string = "$CONN"
  accounts.refresh-interval = 1s
}
akka.remote.dot-netty.tcp { hostname = "$ip", port = $REMOTING_PORT }
akka.cluster.seed-nodes = [${SEEDS%,}]
CONF
  [ -n "${ACTORMTA_CLUSTER_CONF:-}" ] && cat "$ACTORMTA_CLUSTER_CONF" >> "$dir/node.conf"
done

# All at once, as a fleet restarted by its service manager would: the journal schema and the accounts tables
# must come out right when several nodes create them together.
for i in $(seq 1 "$N"); do mark_log "$i"; start_node "$i"; done
for i in $(seq 1 "$N"); do wait_ready "$i"; done
wait_members_up 1 "$N"

echo "cluster up: $N nodes, PostgreSQL on 127.0.0.1:$PG_PORT (state in $STATE)"
for i in $(seq 1 "$N"); do
  ip=$(node_ip "$i")
  echo "  node$i pid $(node_pid "$i"): smtp $ip:$SMTP submission $ip:$SUBMISSION smtps $ip:$SMTPS pop3 $ip:$POP3 imap $ip:$IMAP admin $ip:$ADMIN_PORT"
done
echo "  ctl (from the repository root): dotnet ${DLL#"$REPO"/} ctl cluster show --node $(node_ip 1):$ADMIN_PORT --token \$(cat \$ACTORMTA_CLUSTER_DIR/admin-token)"
