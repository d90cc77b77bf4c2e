#!/usr/bin/env bash
# The headless browser of the end-to-end web test: Debian's chromium and chromium-driver (the test
# drives /usr/bin/chromedriver and downloads nothing). Installs them as root when they are missing.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -n1) ready"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "browser: chromium and chromium-driver are missing and cannot be installed here (needs root and apt-get)" >&2
  exit 0
fi
echo "browser: installing chromium chromium-driver"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -n1) ready"
