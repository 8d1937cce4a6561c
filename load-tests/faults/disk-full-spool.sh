#!/usr/bin/env bash
# Disk full for the spool: the spool directory on a 64 MiB tmpfs (private mount namespace), filled to the
# last byte while mail flows; reading and deleting mail must work meanwhile. Needs root. See diskfull.inc.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WHAT=spool
source "$FAULTS_DIR/diskfull.inc.sh"
