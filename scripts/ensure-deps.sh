#!/usr/bin/env bash
# Installs the locked dependencies when they are missing or were installed from another
# package-lock.json (compared by content, not by file time: a fresh checkout is not a change).
# A node_modules that is a symbolic link is shared with another checkout (a git worktree) and
# is left alone: reinstalling through the link would wipe it under every other user.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -L node_modules ]; then
  exit 0
fi
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.installed-lock-sha256
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  needs_install=1
elif [ -f "$stamp" ]; then
  [ "$(cat "$stamp")" = "$lock_hash" ] && needs_install=0 || needs_install=1
else
  # Installed before the stamp existed: trust it unless the lock is newer than the install.
  [ package-lock.json -nt node_modules/.package-lock.json ] && needs_install=1 || needs_install=0
fi
if [ "$needs_install" = 1 ]; then
  echo "Installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund
fi
echo "$lock_hash" > "$stamp"
