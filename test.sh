#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need on a fresh Debian machine that has the
# .NET SDK: Debian's python3 (smtplib/poplib/imaplib clients), dnsmasq (DNS for MX and spam-check tests), postgresql
# (the tests start their own server on a free loopback port for the postgresql storage backend), publicsuffix,
# python3-dkim, rspamd with redis-server (each test Rspamd keeps Bayes in a Redis of its own) and prometheus (for promtool).
set -euo pipefail
cd "$(dirname "$0")"
need=()
[ -x /usr/bin/python3 ] || need+=(python3)
command -v dnsmasq >/dev/null 2>&1 || need+=(dnsmasq-base)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Spam filtering: the Public Suffix List (DMARC organizational domains), dkimpy (an independent DKIM verifier of
# our signatures) and Rspamd (content scanning; the tests start their own on loopback, the package's service is stopped).
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] || need+=(publicsuffix)
python3 -c 'import dkim' >/dev/null 2>&1 || need+=(python3-dkim)
command -v rspamd >/dev/null 2>&1 || need+=(rspamd)
[ -x /usr/bin/redis-server ] || need+=(redis-server)
# promtool (Debian's prometheus package) checks the /metrics text; the package's own daemon is stopped.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # The rspamd package starts its own daemon on the default ports; the tests run theirs.
  if [[ " ${need[*]} " == *" rspamd "* ]]; then
    ($SUDO service rspamd stop || $SUDO pkill -x rspamd || true) >/dev/null 2>&1
  fi
  if [[ " ${need[*]} " == *" redis-server "* ]]; then
    ($SUDO service redis-server stop || true) >/dev/null 2>&1
  fi
  if [[ " ${need[*]} " == *" prometheus "* ]]; then
    # Each may fail (nothing left to stop): the subshell inherits set -e, so every step carries its own || true.
    { $SUDO service prometheus stop || true; $SUDO service prometheus-node-exporter stop || true; $SUDO pkill -x prometheus || true; } >/dev/null 2>&1
  fi
fi
dotnet build -c Release -nologo -v quiet ActorMTA.sln
log=$(mktemp)
status=0
dotnet test ActorMTA.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# The short form of the fault suite (load-tests/faults): SIGKILL, SIGTERM, full disks, DNS and receiver faults,
# bad input, slowloris, brute force against a real server. Skipped when the run is filtered to some tests.
faults_passed=0 faults_failed=0
if [ $# -eq 0 ]; then
  bash load-tests/faults/run-all.sh --short 2>&1 | tee -a "$log" || status=1
  # The IMAP multi-session stress test, short form: 5 clients on one mailbox for 10 s, every response checked.
  bash load-tests/imap-stress.sh --short 2>&1 | tee -a "$log" || status=1
  # The cluster failover test, short form: PostgreSQL + 3 nodes on loopback, 2,000 messages, one node SIGKILLed.
  bash cluster/failover-test.sh --short 2>&1 | tee -a "$log" || status=1
  # ... and a rolling restart of the three nodes under load (SIGTERM, start, rejoin, one at a time).
  bash cluster/failover-test.sh --short --rolling 2>&1 | tee -a "$log" || status=1
  # Every `actormta ctl` command against a running 3-node cluster.
  bash cluster/ctl-test.sh 2>&1 | tee -a "$log" || status=1
  # A provider's limits (5 connections, 50 messages a second) held by three nodes together, short form.
  bash cluster/shaping-test.sh --short 2>&1 | tee -a "$log" || status=1
  # The deployment examples (systemd unit, docker-compose, HAProxy, a node's HOCON): syntax only, not run.
  bash cluster/deploy/check.sh 2>&1 | tee -a "$log" || status=1
  faults_passed=$(grep -cE '^[a-z-]+ +PASS ' "$log" || true)
  faults_failed=$(grep -cE '^[a-z-]+ +FAIL ' "$log" || true)
fi
# CI keeps only the tail of this output: name what failed right above the closing line.
grep -E '^ +Failed [A-Za-z_]|^[a-z-]+ +FAIL ' "$log" | sed 's/^ */failed: /' | head -20 || true
# One closing line over all test projects and fault scripts, in the form CI reads.
awk -v fp="$faults_passed" -v ff="$faults_failed" \
    '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p + fp, f + ff, s }' "$log"
rm -f "$log"
exit $status
