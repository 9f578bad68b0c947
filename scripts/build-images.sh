#!/usr/bin/env bash
# Builds the sniffer and mapper images from Dockerfile.sniffer and Dockerfile.mapper with buildah
# (--isolation chroot: no Docker engine or OCI runtime is needed).
#   scripts/build-images.sh [--base IMAGE] [--tag TAG] [--only sniffer|mapper] [--git-ref REF]
# The context is the working tree, or with --git-ref the committed tree of REF (git archive),
# which keeps builds reproducible while the working tree is being edited (the Dockerfiles and
# .dockerignore still come from the working tree: the recipe under test, applied to REF).
# BASE_IMAGE defaults to the Dockerfiles' own (node:20-bookworm-slim); the image test passes the
# local base made by scripts/build-base-image.sh. Images: localhost/podmap-{sniffer,mapper}:TAG.
set -euo pipefail
cd "$(dirname "$0")/.."
base=
tag=dev
components=(sniffer mapper)
ref=
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --only) components=("$2"); shift 2 ;;
    --git-ref) ref=$2; shift 2 ;;
    *) echo "usage: $0 [--base IMAGE] [--tag TAG] [--only sniffer|mapper] [--git-ref REF]" >&2; exit 2 ;;
  esac
done
command -v buildah >/dev/null || { echo "buildah missing: run scripts/install-image-deps.sh" >&2; exit 1; }
args=(--isolation chroot --layers --pull=never --force-rm)
[ -n "$base" ] && args+=(--build-arg "BASE_IMAGE=$base")
context=.
if [ -n "$ref" ]; then
  context=$(mktemp -d /var/tmp/podmap-context.XXXXXX)
  trap 'rm -rf "$context"' EXIT
  git archive --format=tar "$ref" | tar -x -C "$context"
  cp .dockerignore "Dockerfile.sniffer" "Dockerfile.mapper" "$context/" 2>/dev/null || true
fi
for c in "${components[@]}"; do
  start=$SECONDS
  echo "build-images: $c (base ${base:-Dockerfile default})"
  buildah bud "${args[@]}" -f "$context/Dockerfile.$c" -t "localhost/podmap-$c:$tag" "$context"
  echo "build-images: localhost/podmap-$c:$tag built in $((SECONDS - start))s"
done
