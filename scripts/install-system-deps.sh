#!/usr/bin/env bash
# Installs the Debian packages podmap needs to build (cap -> libpcap-dev), to run its
# network-namespace testbed (dnsmasq, iproute2, nftables, tcpdump) and to render PNG graphs with
# text (DejaVu fonts + fontconfig's fonts.conf), and PostgreSQL (POSTGRES_MAJOR) for the PostgreSQL
# store's tests, which start servers of their own from its binaries, and curl, which the demo's printed
# commands use. Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib-apt.sh"
. "$(dirname "$0")/lib-versions.sh"
ensure_debs "system packages" libpcap-dev dnsmasq-base iproute2 nftables tcpdump procps iputils-ping unzip fonts-dejavu-core fontconfig-config \
  "postgresql-$POSTGRES_MAJOR" "postgresql-client-$POSTGRES_MAJOR" curl
