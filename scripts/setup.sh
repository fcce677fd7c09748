#!/usr/bin/env bash
# Installs what the console needs on a fresh Debian machine with Node 20 and then the workspace's
# packages. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "==> installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION"
fi

# Playwright's own browser downloads are not reachable here: e2e uses Debian's Chromium.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "==> installing Debian's chromium (for e2e tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: no system Chromium; e2e tests will use Playwright's browser (npx playwright install chromium)"
  fi
fi

# Native addons (better-sqlite3) build against Node's own headers instead of downloading them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

echo "==> installing packages"
if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
