#!/usr/bin/env bash
# Installs the Debian packages podmap needs to build (cap -> libpcap-dev) and to run its
# network-namespace testbed (dnsmasq, iproute2, nftables, tcpdump). Idempotent: installs only
# what is missing, and runs `apt-get update` only when something is.
set -euo pipefail
pkgs=(libpcap-dev dnsmasq-base iproute2 nftables tcpdump procps iputils-ping unzip fonts-dejavu-core fontconfig-config)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]} -- run this script as root" >&2
  exit 1
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
