#!/usr/bin/env bash
# Runs lint and every project's tests (unit, integration and end-to-end) against the local
# Postgres and NATS, then prints one closing line with the totals.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node scripts/check-infra.mjs
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
rm -rf .test-results
status=0
npx nx run-many -t lint test --outputStyle=stream "$@" || status=$?
node scripts/test-summary.mjs .test-results || status=1
exit "$status"
