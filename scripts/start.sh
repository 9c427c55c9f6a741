#!/usr/bin/env bash
# `npm start`: installs the locked dependencies if needed, builds if a source changed, then runs
# the platform under the supervisor (scripts/run-all.mjs): Postgres and NATS external when they
# answer, embedded otherwise; the four services restarted when they exit; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
node scripts/build-if-stale.mjs
exec node scripts/run-all.mjs
