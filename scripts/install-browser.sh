#!/usr/bin/env bash
# Installs Debian's `chromium` for the mapper web page's browser test (test/e2e/web.test.ts drives
# it through playwright-core with executablePath /usr/bin/chromium). No browser is downloaded from
# anywhere but the Debian archive. Idempotent: does nothing when chromium is already installed.
set -euo pipefail
if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && [ -x /usr/bin/chromium ]; then
  echo "browser: chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "browser: chromium missing -- run this script as root" >&2
  exit 1
fi
echo "browser: installing chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fonts-dejavu-core: legible labels in screenshots on a minimal machine.
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
