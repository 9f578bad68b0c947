#!/usr/bin/env bash
# The image test, end to end on a fresh machine (as root): installs buildah, debootstrap,
# docker-registry and skopeo, builds the local base image holding the pinned Node (base images
# cannot be pulled here), then runs test/images on that same Node, one file after the other:
# images.image-test.ts builds both Dockerfiles and runs the results; registry.image-test.ts runs
# README's install lines against a registry on 127.0.0.1 (build, a cache hit by then, and push;
# skopeo inspect; the chart rendered onto what was pushed).
# The images are built from the committed tree of HEAD (git archive), so edits in progress in the
# working tree neither break nor leak into the run; the Dockerfiles and .dockerignore still come
# from the working tree. PODMAP_IMAGE_GIT_REF=<ref> builds another commit;
# PODMAP_IMAGE_GIT_REF= (set, empty) builds the working tree as it is.
# Measured on 2 cores: cold (empty image store and build cache) 4.6 min plus the apt install of
# buildah and debootstrap on a quiet machine, before the registry test; with it, on the machine
# shared with other work (load average 10-15): apt 26 s, base image 211 s, both builds 481 s, the
# run of the images 1 min, README's push line 100 s (a cache-hit build, then the push); warm
# (nothing changed) 3.3 min, of which the push line is 100 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PODMAP_ROOT=$PWD
. scripts/lib-node.sh
export PODMAP_BASE_IMAGE=${PODMAP_BASE_IMAGE:-$BASE_IMAGE_NAME}
export PODMAP_IMAGE_GIT_REF=${PODMAP_IMAGE_GIT_REF-HEAD}
if [ -n "$PODMAP_IMAGE_GIT_REF" ]; then
  git rev-parse --verify --quiet "$PODMAP_IMAGE_GIT_REF^{commit}" >/dev/null \
    || { echo "test-images: $PODMAP_IMAGE_GIT_REF is not a commit" >&2; exit 1; }
fi
start=$SECONDS
phase () { echo "test-images: $1 in $((SECONDS - $2))s"; }
t=$SECONDS; bash scripts/install-image-deps.sh; phase "image packages" "$t"
t=$SECONDS; bash scripts/build-base-image.sh; phase "base image" "$t"
echo "test-images: building from ${PODMAP_IMAGE_GIT_REF:-the working tree}"
t=$SECONDS
sh scripts/with-node.sh node --import tsx --test --test-concurrency=1 --test-timeout=2400000 test/images/*.image-test.ts
phase "image builds and tests" "$t"
echo "test-images: done in $((SECONDS - start))s"
