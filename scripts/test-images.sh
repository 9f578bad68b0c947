#!/usr/bin/env bash
# The image test, end to end on a fresh machine (as root): installs buildah and debootstrap,
# builds the local base image (base images cannot be pulled here), then runs test/images, which
# builds both Dockerfiles and runs the results. Slow: minutes on a cold cache.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-image-deps.sh
bash scripts/build-base-image.sh
node --import tsx --test --test-timeout=2400000 test/images/*.image-test.ts
echo "test-images: done in $((SECONDS - start))s"
