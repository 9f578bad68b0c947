#!/usr/bin/env bash
# Builds the sniffer and mapper images from Dockerfile.sniffer and Dockerfile.mapper with buildah
# (--isolation chroot: no Docker engine or OCI runtime is needed).
#   scripts/build-images.sh [--base IMAGE] [--tag TAG] [--only sniffer|mapper]
# BASE_IMAGE defaults to the Dockerfiles' own (node:20-bookworm-slim); the image test passes the
# local base made by scripts/build-base-image.sh. Images: localhost/podmap-{sniffer,mapper}:TAG.
set -euo pipefail
cd "$(dirname "$0")/.."
base=
tag=dev
components=(sniffer mapper)
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --only) components=("$2"); shift 2 ;;
    *) echo "usage: $0 [--base IMAGE] [--tag TAG] [--only sniffer|mapper]" >&2; exit 2 ;;
  esac
done
command -v buildah >/dev/null || { echo "buildah missing: run scripts/install-image-deps.sh" >&2; exit 1; }
args=(--isolation chroot --layers --pull=never)
[ -n "$base" ] && args+=(--build-arg "BASE_IMAGE=$base")
for c in "${components[@]}"; do
  start=$SECONDS
  echo "build-images: $c (base ${base:-Dockerfile default})"
  buildah bud "${args[@]}" -f "Dockerfile.$c" -t "localhost/podmap-$c:$tag" .
  echo "build-images: localhost/podmap-$c:$tag built in $((SECONDS - start))s"
done
