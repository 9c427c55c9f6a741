#!/usr/bin/env bash
# Runs lint and every project's tests (unit, integration and end-to-end) against Postgres and NATS
# (TEST_DATABASE_URL / TEST_NATS_URL, else the local defaults, else embedded ones started for the
# run: scripts/with-infra.mjs), then prints one closing line with the totals.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
rm -rf .test-results
status=0
node scripts/with-infra.mjs test -- npx nx run-many -t lint test --outputStyle=stream "$@" || status=$?
node scripts/test-summary.mjs .test-results || status=1
exit "$status"
