#!/usr/bin/env bash
# Installs what is missing on a Debian machine that has the .NET SDK, builds ActorMTA and runs a
# single node with the embedded defaults (SQLite journal + file spool in ./data).
# Usage: ./run.sh [actormta run options, e.g. --config my.conf --data-dir /var/lib/actormta]
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
  exit 1
fi
dotnet build -c Release -v quiet -nologo src/ActorMTA.Host/ActorMTA.Host.csproj >/dev/null
ACTORMTA="dotnet src/ActorMTA.Host/bin/Release/net10.0/actormta.dll"
if [ ! -f "${DATA_DIR:-data}/accounts.db" ]; then
  echo "First run: add a domain and a user, e.g.:"
  echo "  $ACTORMTA domain add example.test && $ACTORMTA user add me@example.test --password secret"
fi
exec $ACTORMTA run "$@"
