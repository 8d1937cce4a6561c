#!/usr/bin/env bash
# cluster/deploy/check.sh: syntax checks of the deployment examples (none of them is run here): the systemd unit
# (systemd-analyze verify), haproxy.cfg (haproxy -c; Debian's haproxy is installed when missing), docker-compose.yml
# (docker compose config when docker compose is there, else a YAML and structure check), node.conf.example (parsed
# by ActorMTA's own settings code through `actormta user list`, which reads the whole configuration).
# Prints "deploy-check PASS|FAIL checks=N failed=N".
set -uo pipefail
cd "$(dirname "$0")"
checks=0 failed=0
check() { checks=$((checks + 1)); if "${@:2}" >/tmp/deploy-check.$$ 2>&1; then echo "  ok   $1"; else failed=$((failed + 1)); echo "  FAIL $1"; sed 's/^/       /' /tmp/deploy-check.$$; fi; }
command -v haproxy >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null 2>&1; }
check "haproxy.cfg" haproxy -c -f haproxy.cfg
# verify wants the unit's binary and user to exist; check the unit's own syntax on a copy pointing at /bin/true.
unit() { local d; d=$(mktemp -d); sed -e 's|^ExecStart=.*|ExecStart=/bin/true|' -e '/^User=/d' -e '/^Group=/d' actormta.service > "$d/actormta.service";
  systemd-analyze verify "$d/actormta.service" 2>&1 | grep -v "Documentation=\|not executable\|Cannot add dependency" | tee /dev/stderr | grep -q . && return 1; rm -rf "$d"; }
if command -v systemd-analyze >/dev/null; then check "actormta.service" unit; fi
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose -f docker-compose.yml config -q; return; fi
  python3 - <<'PY'
import yaml
c = yaml.safe_load(open("docker-compose.yml"))
assert set(c["services"]) == {"db", "node1", "node2", "node3"}, c["services"].keys()
for n in ("node1", "node2", "node3"):
    s = c["services"][n]
    assert s["build"]["dockerfile"] == "cluster/deploy/Dockerfile" and s["restart"] == "always"
    assert any(v.endswith(":/etc/actormta/node.conf:ro") for v in s["volumes"])
PY
}
check "docker-compose.yml" compose
node_conf() { local d out; d=$(mktemp -d); out=$(dotnet ../../src/ActorMTA.Host/bin/Release/net10.0/actormta.dll user list \
  --config node.conf.example --data-dir "$d" 2>&1); rm -rf "$d"; echo "$out"; grep -q "Connection refused\|Name or service\|resolve" <<<"$out"; }
check "node.conf.example (parsed; it fails only on reaching its database)" node_conf
rm -f /tmp/deploy-check.$$
echo "deploy-check $([ $failed -eq 0 ] && echo PASS || echo FAIL) checks=$checks failed=$failed"
[ $failed -eq 0 ]
