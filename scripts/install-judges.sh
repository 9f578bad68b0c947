#!/usr/bin/env bash
# Installs the independent judges (test/judges), each into a cache outside the repository keyed by
# version (PODMAP_TOOLS_CACHE, default /var/cache/podmap-tools), linked from .tools/:
#   nca           IBM's network-config-analyzer NCA_VERSION (PyPI), in a virtualenv of Debian's python3,
#                 every dependency pinned (scripts/judges/nca-requirements.txt): computes what
#                 NetworkPolicies allow, for the export and shadow-mode judges
#   schemathesis  SCHEMATHESIS_VERSION (PyPI), pinned the same way: fuzzes the mapper's API from its
#                 own OpenAPI document
#   cilium-crds   ciliumnetworkpolicies.yaml from the Go module github.com/cilium/cilium at
#                 CILIUM_VERSION (its pkg/k8s/apis/cilium.io/client/crds/v2/), for dry-run applies of
#                 the Cilium export against the real API server
# Safe to run again: what is cached is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-versions.sh
. scripts/lib-apt.sh
ensure_debs "judge packages" python3 python3-venv
cache=${PODMAP_TOOLS_CACHE:-/var/cache/podmap-tools}
mkdir -p .tools/bin

# venv_tool NAME VERSION REQUIREMENTS BIN: a virtualenv at $cache/NAME-VERSION with REQUIREMENTS
# installed (exact versions), its BIN linked as .tools/bin/BIN.
venv_tool () {
  local name=$1 version=$2 requirements=$3 bin=$4
  local dir="$cache/$name-$version"
  if [ ! -x "$dir/bin/$bin" ] || [ ! -f "$dir/.ready" ] || ! cmp -s "$requirements" "$dir/requirements.txt"; then
    echo "judges: installing $name $version"
    rm -rf "$dir"
    /usr/bin/python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
    cp "$requirements" "$dir/requirements.txt"
    touch "$dir/.ready"
  fi
  ln -sfn "$dir/bin/$bin" ".tools/bin/$bin"
}

venv_tool nca "$NCA_VERSION" scripts/judges/nca-requirements.txt nca
venv_tool schemathesis "$SCHEMATHESIS_VERSION" scripts/judges/schemathesis-requirements.txt schemathesis

crds="$cache/cilium-crds-$CILIUM_VERSION"
if [ ! -s "$crds/ciliumnetworkpolicies.yaml" ]; then
  command -v go >/dev/null || { echo "judges: go is missing: install Go to fetch github.com/cilium/cilium $CILIUM_VERSION" >&2; exit 1; }
  echo "judges: fetching github.com/cilium/cilium@$CILIUM_VERSION for its CiliumNetworkPolicy CRD"
  mkdir -p "$crds"
  modcache=$(mktemp -d)
  trap 'rm -rf "$modcache"' EXIT
  dir=$(cd "$crds" && GOMODCACHE="$modcache" GOFLAGS=-modcacherw go mod download -json "github.com/cilium/cilium@$CILIUM_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  src="$dir/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml"
  [ -s "$src" ] || { echo "judges: $src missing from the module" >&2; exit 1; }
  cp "$src" "$crds/ciliumnetworkpolicies.yaml.tmp"
  mv "$crds/ciliumnetworkpolicies.yaml.tmp" "$crds/ciliumnetworkpolicies.yaml"
  rm -rf "$modcache"
  trap - EXIT
fi
mkdir -p .tools/crds
ln -sfn "$crds/ciliumnetworkpolicies.yaml" .tools/crds/ciliumnetworkpolicies.yaml
echo "judges: $(.tools/bin/nca --version 2>&1 | head -1), schemathesis $(.tools/bin/schemathesis --version 2>&1 | tail -1), cilium CRD $CILIUM_VERSION"
