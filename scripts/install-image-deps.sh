#!/usr/bin/env bash
# Installs the Debian packages the image test needs and nothing else uses: buildah (builds the
# Dockerfiles with --isolation chroot; no Docker engine exists here), debootstrap (builds the
# local base image, since base images cannot be pulled), docker-registry (the CNCF distribution
# registry the test pushes both images to, on 127.0.0.1) and skopeo (inspects what was pushed).
# Idempotent; run as root.
set -euo pipefail
. "$(dirname "$0")/lib-apt.sh"
ensure_debs "image test packages" buildah debootstrap docker-registry skopeo
