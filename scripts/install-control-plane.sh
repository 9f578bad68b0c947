#!/usr/bin/env bash
# Builds a real Kubernetes control plane from Go modules, once per machine, into a cache outside the
# repository keyed by version (PODMAP_TOOLS_CACHE, default /var/cache/podmap-tools):
#   kube-apiserver, kube-controller-manager, kube-scheduler  k8s.io/kubernetes at K8S_VERSION, every
#                                                            k8s.io/* staging module on the same line
#   etcd                                                     go.etcd.io/etcd/server/v3 at ETCD_VERSION
#   coredns                                                  github.com/coredns/coredns at COREDNS_VERSION
# Prints one progress line per binary. Safe to run again: a binary already built is reused.
# Prints the bin directory on the last line, as `control plane: bin=<dir>`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-versions.sh

cache=${PODMAP_TOOLS_CACHE:-/var/cache/podmap-tools}
k8s_dir="$cache/kubernetes-$K8S_VERSION"
etcd_dir="$cache/etcd-$ETCD_VERSION"
coredns_dir="$cache/coredns-$COREDNS_VERSION"
bin="$cache/control-plane-$K8S_VERSION-etcd-$ETCD_VERSION-coredns-$COREDNS_VERSION/bin"
mkdir -p "$bin" "$k8s_dir" "$etcd_dir" "$coredns_dir"
export GOFLAGS="-trimpath -mod=mod"
export CGO_ENABLED=0
ldflags="-s -w"
started=$(date +%s)

step () { # step NAME: progress line with the time since start
  echo "control plane: $1 ($(( $(date +%s) - started ))s)"
}

# A module that requires k8s.io/kubernetes and replaces each staging module (./staging/src/k8s.io/X in
# its own go.mod) with the published k8s.io/X at the same release line (v0.N.P for v1.N.P).
k8s_module () {
  [ -f "$k8s_dir/go.sum" ] && [ -f "$k8s_dir/.ready" ] && return 0
  step "resolving k8s.io/kubernetes@$K8S_VERSION and its staging modules"
  local staging="v0.${K8S_VERSION#v1.}"
  local modfile
  modfile=$(cd "$k8s_dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
  {
    echo "module podmap.local/control-plane"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$modfile"
    echo ")"
  } > "$k8s_dir/go.mod"
  cat > "$k8s_dir/tools.go" <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF
  (cd "$k8s_dir" && go mod tidy -e >/dev/null 2>&1 || true)
  (cd "$k8s_dir" && go mod download)
  touch "$k8s_dir/.ready"
}

build_k8s () { # build_k8s CMD
  local cmd=$1
  if [ -x "$bin/$cmd" ]; then step "$cmd $K8S_VERSION: cached"; return 0; fi
  k8s_module
  step "building $cmd $K8S_VERSION"
  (cd "$k8s_dir" && go build -ldflags "$ldflags -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)" -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
  mv "$bin/$cmd.tmp" "$bin/$cmd"
  step "$cmd $K8S_VERSION: built"
}

# build_module NAME VERSION DIR MODULE: `go build` of MODULE (a main package) at VERSION, in a module of
# its own under DIR that requires it; NAME is the binary.
build_module () {
  local name=$1 version=$2 dir=$3 module=$4
  if [ -x "$bin/$name" ]; then step "$name $version: cached"; return 0; fi
  step "building $name $version"
  if [ ! -f "$dir/go.mod" ]; then
    printf 'module podmap.local/%s\n\ngo 1.24.0\n' "$name" > "$dir/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$module" > "$dir/tools.go"
    (cd "$dir" && go get "$module@$version" >/dev/null 2>&1)
  fi
  (cd "$dir" && go build -ldflags "$ldflags" -o "$bin/$name.tmp" "$module")
  mv "$bin/$name.tmp" "$bin/$name"
  step "$name $version: built"
}

command -v go >/dev/null || { echo "control plane: go is not on the PATH (Go $GO_MIN or later is needed)" >&2; exit 1; }
build_module etcd "$ETCD_VERSION" "$etcd_dir" go.etcd.io/etcd/server/v3
build_k8s kube-apiserver
build_k8s kube-controller-manager
build_k8s kube-scheduler
build_module coredns "$COREDNS_VERSION" "$coredns_dir" github.com/coredns/coredns
ln -sfn "$bin" "$cache/control-plane"
step "ready"
echo "control plane: bin=$bin"
