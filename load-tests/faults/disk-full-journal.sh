#!/usr/bin/env bash
# Disk full for the journal: the data dir (journal, snapshots, accounts) on a 64 MiB tmpfs (private mount
# namespace), filled to the last byte; reading and deleting mail must work meanwhile, and a start on the full
# disk must exit 1 with a one-line reason. Needs root. See diskfull.inc.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WHAT=journal
source "$FAULTS_DIR/diskfull.inc.sh"
