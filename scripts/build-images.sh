#!/usr/bin/env bash
# Builds the sniffer and mapper images from Dockerfile.sniffer and Dockerfile.mapper with buildah
# (--isolation chroot: no Docker engine or OCI runtime is needed), and with --push pushes them.
#   scripts/build-images.sh [--push REGISTRY[/PREFIX]] [--tag TAG] [--base IMAGE]
#                           [--only sniffer|mapper] [--git-ref REF] [--source URL] [--dry-run]
# Images: localhost/podmap-{sniffer,mapper}:TAG, TAG defaulting to the chart's appVersion
# (helm/podmap/Chart.yaml; scripts/check-versions.sh keeps it equal to package.json's version).
# Each carries the OCI labels title, description, version (appVersion), revision (the commit
# built), source (--source, default package.json's repository) and licenses.
# --push pushes each to docker://REGISTRY[/PREFIX]/podmap-{sniffer,mapper}:TAG, prints the
# digest it was stored under (the image is also pullable as ...@sha256:...), then the
# `helm install` lines that point the chart at exactly these images, by tag and pinned by digest.
# REGISTRY is a host[:port]; plain-HTTP registries are marked `insecure` in registries.conf (the
# test does it with CONTAINERS_REGISTRIES_CONF); log in first with `buildah login` if needed.
# --dry-run prints the references and the helm line without building or pushing.
# The context is the working tree, or with --git-ref the committed tree of REF (git archive),
# which keeps builds reproducible while the working tree is being edited (the Dockerfiles and
# .dockerignore still come from the working tree: the recipe under test, applied to REF).
# BASE_IMAGE defaults to the Dockerfiles' own (node:<NODE_VERSION>-bookworm-slim); the image test
# passes the local base made by scripts/build-base-image.sh. Environment defaults: PODMAP_BASE_IMAGE (--base),
# PODMAP_IMAGE_GIT_REF (--git-ref), so scripts/test-images.sh runs README's command unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: $0 [--push REGISTRY[/PREFIX]] [--tag TAG] [--base IMAGE] [--only sniffer|mapper] [--git-ref REF] [--source URL] [--dry-run]"
app_version=$(sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' helm/podmap/Chart.yaml)
[ -n "$app_version" ] || { echo "build-images: no appVersion in helm/podmap/Chart.yaml" >&2; exit 1; }
base=${PODMAP_BASE_IMAGE:-}
ref=${PODMAP_IMAGE_GIT_REF:-}
tag=$app_version
components=(sniffer mapper)
dest=
source_url=
dry_run=false
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --only) components=("$2"); shift 2 ;;
    --git-ref) ref=$2; shift 2 ;;
    --push) dest=${2%/}; shift 2 ;;
    --source) source_url=$2; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
for c in "${components[@]}"; do
  case "$c" in sniffer|mapper) ;; *) echo "build-images: --only sniffer or mapper, not $c" >&2; exit 2 ;; esac
done
if [ -n "$dest" ]; then
  # The first part must be a registry host, or a container tool would read it as a Docker Hub user.
  host=${dest%%/*}
  case "$host" in
    *.*|*:*|localhost) ;;
    *) echo "build-images: --push $dest: start with a registry host (host[:port][/prefix])" >&2; exit 2 ;;
  esac
  case "$dest" in
    *[!A-Za-z0-9._:/-]*|*//*) echo "build-images: --push $dest: not a registry path" >&2; exit 2 ;;
  esac
fi

# The references pushed and the helm line that names exactly them. The chart's repositories are
# podmap/podmap-{sniffer,mapper} under global.imageRegistry; another prefix sets the repositories.
helm_line () { # helm_line [DIGEST_SNIFFER DIGEST_MAPPER]
  local host=${dest%%/*} prefix= line
  [ "$host" = "$dest" ] || prefix=${dest#*/}
  line="helm install podmap ./helm/podmap --namespace podmap --create-namespace --set global.imageRegistry=$host"
  if [ "$prefix" != podmap ]; then
    line+=" --set sniffer.image.repository=${prefix:+$prefix/}podmap-sniffer --set mapper.image.repository=${prefix:+$prefix/}podmap-mapper"
  fi
  [ "$tag" = "$app_version" ] || line+=" --set sniffer.image.tag=$tag --set mapper.image.tag=$tag"
  [ $# -eq 0 ] || line+=" --set sniffer.image.digest=$1 --set mapper.image.digest=$2"
  echo "$line"
}

if $dry_run; then
  for c in "${components[@]}"; do
    if [ -n "$dest" ]; then echo "build-images: would push $dest/podmap-$c:$tag"; else echo "build-images: would build localhost/podmap-$c:$tag"; fi
  done
  if [ -n "$dest" ] && [ ${#components[@]} -eq 2 ]; then echo "build-images: then: $(helm_line)"; fi
  exit 0
fi

command -v buildah >/dev/null || { echo "buildah missing: run scripts/install-image-deps.sh" >&2; exit 1; }
[ -n "$source_url" ] || source_url=$(node -p "const r = require('./package.json').repository; (typeof r === 'string' ? r : r?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '')")
if [ -n "$ref" ]; then
  revision=$(git rev-parse --verify "$ref^{commit}")
else
  revision=$(git rev-parse HEAD)
  git diff --quiet HEAD -- . 2>/dev/null || revision+="-dirty"
fi
license=$(node -p "require('./package.json').license")
args=(--isolation chroot --layers --force-rm)
# A local base (localhost/...) is never looked up in a registry; another is pulled when missing.
case "$base" in localhost/*) args+=(--pull=never) ;; *) args+=(--pull=false) ;; esac
[ -n "$base" ] && args+=(--build-arg "BASE_IMAGE=$base")
args+=(--label "org.opencontainers.image.version=$app_version"
  --label "org.opencontainers.image.revision=$revision"
  --label "org.opencontainers.image.licenses=$license")
[ -n "$source_url" ] && args+=(--label "org.opencontainers.image.source=$source_url")
context=.
work=$(mktemp -d /var/tmp/podmap-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -n "$ref" ]; then
  context=$work/context
  mkdir "$context"
  git archive --format=tar "$ref" | tar -x -C "$context"
  cp .dockerignore "Dockerfile.sniffer" "Dockerfile.mapper" "$context/" 2>/dev/null || true
fi
declare -A description=(
  [sniffer]="podmap sniffer: per-node agent capturing DNS responses and reading /proc for TCP sessions"
  [mapper]="podmap mapper: resolves the sniffers' reports to workloads and serves the map"
)
declare -A digest=()
for c in "${components[@]}"; do
  start=$SECONDS
  echo "build-images: $c (base ${base:-Dockerfile default}, revision $revision)"
  buildah bud "${args[@]}" --label "org.opencontainers.image.title=podmap-$c" \
    --label "org.opencontainers.image.description=${description[$c]}" \
    -f "$context/Dockerfile.$c" -t "localhost/podmap-$c:$tag" "$context"
  echo "build-images: localhost/podmap-$c:$tag built in $((SECONDS - start))s"
  if [ -n "$dest" ]; then
    start=$SECONDS
    buildah push --quiet --digestfile "$work/$c.digest" "localhost/podmap-$c:$tag" "docker://$dest/podmap-$c:$tag"
    digest[$c]=$(cat "$work/$c.digest")
    echo "build-images: pushed $dest/podmap-$c:$tag, digest ${digest[$c]} ($dest/podmap-$c@${digest[$c]}) in $((SECONDS - start))s"
  fi
done
if [ -n "$dest" ] && [ ${#components[@]} -eq 2 ]; then
  echo "build-images: install these images with"
  echo "  $(helm_line)"
  echo "build-images: or pinned by digest:"
  echo "  $(helm_line "${digest[sniffer]}" "${digest[mapper]}")"
fi
