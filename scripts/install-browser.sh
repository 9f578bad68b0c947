#!/usr/bin/env bash
# Installs Debian's `chromium` for the mapper web page's browser test (test/e2e/web.test.ts drives
# it through playwright-core with executablePath /usr/bin/chromium). No browser is downloaded from
# anywhere but the Debian archive. Idempotent. fonts-dejavu-core: legible labels in screenshots.
set -euo pipefail
. "$(dirname "$0")/lib-apt.sh"
ensure_debs "browser" chromium fonts-dejavu-core
