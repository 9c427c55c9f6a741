#!/usr/bin/env bash
# Runs every project's tests (unit, integration and end-to-end) against the local Postgres and NATS.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node scripts/check-infra.mjs
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t lint test --outputStyle=stream "$@"
