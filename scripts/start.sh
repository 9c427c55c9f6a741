#!/usr/bin/env bash
# Builds the platform (if needed) and runs the four services on this machine against the local
# Postgres and NATS. Each service applies its own migrations on start. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node scripts/check-infra.mjs
npm run --silent build
exec node scripts/run-all.mjs
