#!/bin/sh
# Installs Debian's Chromium for test/e2e/dashboard-chromium.test.ts (playwright-core drives /usr/bin/chromium;
# Playwright's own browser download does not work on a closed network). Run as root, e.g. in CI before `npm test`.
set -eu
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version 2>/dev/null || true
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium  # with its recommends: fonts-liberation renders the page text
/usr/bin/chromium --version
