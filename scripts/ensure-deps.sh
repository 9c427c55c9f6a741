#!/usr/bin/env bash
# Installs the locked dependencies when they are missing or older than package-lock.json.
# A node_modules that is a symbolic link is shared with another checkout (a git worktree) and
# is left alone: reinstalling through the link would wipe it under every other user.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -L node_modules ]; then
  exit 0
fi
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund
fi
