#!/usr/bin/env bash
# Builds the local base image the image test passes as BASE_IMAGE, because base images cannot
# be pulled here: a minimal Debian bookworm made with debootstrap, plus the project's pinned Node
# (the very node, headers and npm `npm run setup` installed into NODE_HOME, scripts/lib-node.sh)
# laid out like the official node image (/usr/local/bin/node, /usr/local/include/node,
# /usr/local/lib/node_modules/npm). Nothing is fetched for it but Debian's packages.
# Kept in buildah's store under a name keyed by the Node and npm versions (PODMAP_BASE_IMAGE in
# scripts/lib-node.sh) and reused; pass --rebuild to make it again. Run as root.
set -euo pipefail
PODMAP_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$PODMAP_ROOT/scripts/lib-node.sh"
image=${PODMAP_BASE_IMAGE:-$BASE_IMAGE_NAME}
if [ "${1:-}" != "--rebuild" ] && buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "base image: $image present"
  exit 0
fi
# The Debian mirror: DEBIAN_MIRROR, else the one this machine's apt sources use (lib-apt.sh).
. "$(dirname "$0")/lib-apt.sh"
mirror=${DEBIAN_MIRROR:-}
[ -n "$mirror" ] || mirror=$(apt_mirror bookworm)
node_bin=$NODE_HOME/bin/node
npm_dir=$NODE_HOME/lib/node_modules/npm
if [ "$("$node_bin" --version 2>/dev/null)" != "v$NODE_VERSION" ] || [ ! -f "$npm_dir/bin/npm-cli.js" ]; then
  echo "base image: Node v$NODE_VERSION is not installed at $NODE_HOME: run \`npm run setup\`" >&2
  exit 1
fi
work=$(mktemp -d /var/tmp/podmap-base.XXXXXX)
ctr=
# A failed debootstrap may leave /proc, /sys or /dev mounted inside the root: unmount them, and
# never let rm cross into another file system.
clear_rootfs () {
  local m
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$work/rootfs/$m" 2>/dev/null; then umount -l "$work/rootfs/$m" || true; fi
  done
  rm -rf --one-file-system "$work/rootfs"
}
cleanup () {
  if [ -n "$ctr" ]; then buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  clear_rootfs
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# A mirror hiccup should not fail a CI run: up to 3 attempts, each from an empty directory.
for attempt in 1 2 3; do
  echo "base image: debootstrap bookworm (minbase) from $mirror (attempt $attempt)"
  clear_rootfs
  if debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    break
  fi
  tail -20 "$work/debootstrap.log" >&2
  [ "$attempt" -lt 3 ] || { echo "base image: debootstrap failed 3 times" >&2; exit 1; }
  sleep $((attempt * 10))
done
root=$work/rootfs
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
# Node's headers, where the official image has them, so node-gyp builds `cap` without a download.
headers=$NODE_HOME/include/node
[ -f "$headers/common.gypi" ] || { echo "base image: node headers not found at $headers" >&2; exit 1; }
mkdir -p "$root/usr/local/include"
cp -a "$headers" "$root/usr/local/include/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# Trust what this machine trusts: where egress goes through a TLS-inspecting proxy, npm and apt
# inside the builds need its CA. The base image is a local test artifact and is never pushed.
if [ -d /usr/local/share/ca-certificates ] && ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* "$root"/tmp/*
ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
# /dev is provided by the runtime; device nodes made by debootstrap do not belong in a layer.
tar -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . | tar -C "$mnt" -xpf -
buildah umount "$ctr" >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --env NODE_VERSION="$NODE_VERSION" --cmd node "$ctr"
buildah commit --quiet "$ctr" "$image" >/dev/null
echo "base image: built $image (node $("$node_bin" -v), npm $("$node_bin" "$npm_dir/bin/npm-cli.js" -v))"
