#!/usr/bin/env bash
# Installs Debian's prometheus (the server and promtool, 2.42 on bookworm) for the Prometheus
# tests (test/prometheus/): they start their own server, with its own data directory on a free
# loopback port. The package ships a system service; it is neither started nor left enabled
# (ensure_debs_no_start in lib-apt.sh), so nothing of it runs or listens outside the tests.
# Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib-apt.sh"
ensure_debs_no_start "prometheus" prometheus
echo "prometheus: $(prometheus --version 2>&1 | head -1); $(promtool --version 2>&1 | head -1)"
