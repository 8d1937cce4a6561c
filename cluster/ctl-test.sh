#!/usr/bin/env bash
# cluster/ctl-test.sh: every `actormta ctl` command against a running 3-node cluster (cluster/up.sh in a private
# directory), through the data dir of one node and through --node/--token of another, each answer checked.
# Prints "ctl-cluster PASS|FAIL checks=N failed=N" (the form test.sh counts).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/actormta-ctltest.XXXXXX)
chmod 755 "$WORK"
export ACTORMTA_CLUSTER_DIR=$WORK/cluster ACTORMTA_CLUSTER_NET=${ACTORMTA_CLUSTER_NET:-127.0.0.4}
source "$HERE/lib.sh"
trap 'bash "$HERE/down.sh" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
cat > "$WORK/extra.conf" <<CONF
actormta.smtp.relay-networks = ["127.0.0.0/8"]
actormta.delivery.routes { "*" = "127.0.0.1:9" }
actormta.delivery.retry-schedule = [1h]
CONF
export ACTORMTA_CLUSTER_CONF=$WORK/extra.conf
bash "$HERE/up.sh" 3 >/dev/null
TOKEN=$(cat "$STATE/admin-token")
remote() { dotnet "$DLL" ctl "$@" --node "$(node_ip 2):$ADMIN_PORT" --token "$TOKEN"; }
checks=0 failed=0
check() { # check NAME EXPECTED-REGEX OUTPUT
  checks=$((checks + 1))
  if grep -Eq -- "$2" <<<"$3"; then echo "  ok   $1"; else failed=$((failed + 1)); echo "  FAIL $1: expected /$2/ in:"; sed 's/^/       /' <<<"$3"; fi
}
set +e
actormta 1 domain add cluster.test >/dev/null
actormta 1 user add me@cluster.test --password ctl-test-S3cret >/dev/null 2>&1
sleep 2
python3 - "$(node_ip 3)" "$SMTP" <<'PY'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]))
s.sendmail("a@b.test", ["me@cluster.test"], b"Subject: local\r\n\r\nhello\r\n")
s.sendmail("a@b.test", ["x@far.remote.test"], b"Subject: remote\r\n\r\nheld\r\n")
s.quit()
PY
sleep 2

check "cluster show (data dir)" "127.0.0.*:4053 +Up +reachable" "$(ctl 1 cluster show)"
check "cluster show --json (remote)" '"status":"Up".*"status":"Up".*"status":"Up"' "$(remote cluster show --json)"
check "shards regions" "mailbox +3 " "$(remote shards regions)"
check "shards stats" "domain-queue +akka.tcp://actormta@$(node_ip 1)" "$(ctl 1 shards stats)"
check "shards stats REGION --json" '"mailbox":\{"akka.tcp' "$(remote shards stats mailbox --json)"
check "shards locate (live mailbox)" "mailbox me@cluster.test: shard [0-9]+, node akka.tcp://actormta@127.0.0.*, live" "$(remote shards locate mailbox me@cluster.test)"
check "shards locate (unknown region)" "unknown shard region" "$(remote shards locate nosuch x 2>&1)"
check "queue list (cluster-wide, with node)" "far.remote.test +1 .*akka.tcp://actormta@" "$(ctl 1 queue list)"
check "queue show" "x@far.remote.test" "$(remote queue show far.remote.test)"
check "queue suspend" "far.remote.test: ok" "$(remote queue suspend far.remote.test)"
check "queue resume" "far.remote.test: ok" "$(ctl 3 queue resume far.remote.test)"
check "queue flush" "far.remote.test: ok" "$(ctl 1 queue flush far.remote.test)"
check "mailbox stats" "INBOX +1 " "$(remote mailbox stats me@cluster.test)"
check "accounts reload" "accounts (reloaded|unchanged): 1 domains, 1 users" "$(remote accounts reload)"
check "actors tree" "listener-smtp" "$(remote actors tree /user --depth 1)"
check "actors tree --json" '"path":"/system/sharding"' "$(ctl 1 actors tree /system --depth 1 --json)"
check "queue delete" "deleted \(1\)" "$(ctl 1 queue delete "$(ctl 1 queue show far.remote.test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["queue_id"])')")"
check "bad token" "bad admin token" "$(dotnet "$DLL" ctl cluster show --node "$(node_ip 2):$ADMIN_PORT" --token wrong 2>&1)"

# cluster tail, while node 3 leaves (ctl cluster leave) and comes back (ctl cluster join is made by its start).
timeout 40 dotnet "$DLL" ctl cluster tail --node "$(node_ip 1):$ADMIN_PORT" --token "$TOKEN" > "$WORK/tail.out" 2>&1 &
TAIL=$!
sleep 3
check "cluster leave" "leave requested" "$(remote cluster leave "$(node_ip 3):$REMOTING_PORT")"
for _ in $(seq 1 60); do alive "$(node_pid 3)" || break; sleep 0.5; done
check "a member that left exits" "^$" "$(alive "$(node_pid 3)" && echo still-running)"
bash "$HERE/start.sh" 3 >/dev/null
wait_members_up 1 3
sleep 2
kill -INT "$TAIL" 2>/dev/null; wait "$TAIL" 2>/dev/null
check "cluster tail" "left +akka.tcp://actormta@$(node_ip 3).*removed +akka.tcp://actormta@$(node_ip 3).*up +akka.tcp://actormta@$(node_ip 3)" "$(tr '\n' ' ' < "$WORK/tail.out")"

# down: SIGKILL node 3, then mark it down by hand (before the split brain resolver would).
bash "$HERE/kill.sh" 3 >/dev/null
for _ in $(seq 1 20); do ctl 1 cluster show | grep -q unreachable && break; sleep 0.5; done
check "cluster down" "down requested" "$(ctl 1 cluster down "akka.tcp://actormta@$(node_ip 3):$REMOTING_PORT")"
for _ in $(seq 1 30); do ctl 1 cluster show | grep -q "$(node_ip 3):" || break; sleep 0.5; done
check "downed member removed" "^$" "$(ctl 1 cluster show | grep "$(node_ip 3):")"
bash "$HERE/start.sh" 3 >/dev/null
wait_members_up 1 3
bash "$HERE/kill.sh" 3 >/dev/null
for _ in $(seq 1 20); do remote cluster show | grep -q unreachable && break; sleep 0.5; done
check "cluster down-unreachable" "$(node_ip 3):$REMOTING_PORT: down requested" "$(remote cluster down-unreachable)"
for _ in $(seq 1 30); do ctl 1 cluster show | grep -q "$(node_ip 3):" || break; sleep 0.5; done
check "cluster down-unreachable (none left)" "no unreachable members" "$(remote cluster down-unreachable)"
check "cluster join (self, already a member)" "join requested" "$(ctl 1 cluster join "$(node_ip 2):$REMOTING_PORT")"
check "not a member" "not a member of this cluster" "$(ctl 1 cluster leave 127.0.0.99:4053 2>&1)"

echo "ctl-cluster $([ $failed -eq 0 ] && echo PASS || echo FAIL) checks=$checks failed=$failed"
[ $failed -eq 0 ]
