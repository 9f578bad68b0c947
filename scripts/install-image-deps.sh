#!/usr/bin/env bash
# Installs the Debian packages the image test needs and nothing else uses: buildah (builds the
# Dockerfiles with --isolation chroot; no Docker engine exists here) and debootstrap (builds the
# local base image, since base images cannot be pulled). Idempotent; run as root.
set -euo pipefail
pkgs=(buildah debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "image test packages: all present (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "image test packages missing: ${missing[*]} -- run this script as root" >&2
  exit 1
fi
echo "image test packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
