#!/usr/bin/env bash
# Browser tests: Playwright (playwright-core from npm) driving Debian's Chromium,
# with axe-core accessibility checks. Never downloads a browser.
#
#   scripts/e2e.sh            (BP_BIN=path/to/buergerportal to test another binary)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "e2e: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
        exit 1
    fi
    echo "e2e: installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y chromium >&2
fi

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
    echo "e2e: node_modules incomplete; installing from package-lock.json" >&2
    npm ci --no-audit --no-fund >&2
fi

exec node --test e2e/
