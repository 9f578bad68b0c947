#!/usr/bin/env bash
# Builds a real Kubernetes control plane from Go modules, once per machine, into a cache outside the
# repository keyed by version (PODMAP_TOOLS_CACHE, default /var/cache/podmap-tools):
#   kube-apiserver, kube-controller-manager, kube-scheduler  k8s.io/kubernetes at K8S_VERSION, every
#                                                            k8s.io/* staging module on the same line
#   etcd                                                     go.etcd.io/etcd/server/v3 at ETCD_VERSION
#   coredns                                                  github.com/coredns/coredns at COREDNS_VERSION,
#                                                            with only the plugins the testbed's Corefile
#                                                            uses, and its k8s.io/* modules on K8S_VERSION's line
# Three lanes run at once (etcd, the Kubernetes commands in one `go build`, coredns), so one lane's
# module downloads and links overlap another's compiling; each prints one progress line per step.
# Safe to run again: a binary already built is reused.
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

build_k8s () { # the three commands in one `go build`: their shared packages compile once, the links overlap
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler) missing=() cmd
  for cmd in "${cmds[@]}"; do [ -x "$bin/$cmd" ] || missing+=("$cmd"); done
  if [ ${#missing[@]} -eq 0 ]; then step "${cmds[*]} $K8S_VERSION: cached"; return 0; fi
  k8s_module
  step "building ${missing[*]} $K8S_VERSION"
  local out="$bin/.k8s.tmp"
  rm -rf "$out" && mkdir -p "$out"
  (cd "$k8s_dir" && go build -ldflags "$ldflags -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)" -o "$out/" "${missing[@]/#/k8s.io/kubernetes/cmd/}")
  for cmd in "${missing[@]}"; do mv "$out/$cmd" "$bin/$cmd"; done
  rmdir "$out"
  step "${missing[*]} $K8S_VERSION: built"
}

# quiet LOG CMD...: runs CMD with its output (go's download lines) in LOG, shown only if it fails.
quiet () {
  local log=$1; shift
  "$@" >"$log" 2>&1 || { local rc=$?; echo "control plane: $* failed ($rc):" >&2; cat "$log" >&2; return "$rc"; }
}

# build_module NAME VERSION DIR MODULE [MAIN_GO]: `go build` of MODULE (a main package) at VERSION, in a
# module of its own under DIR that requires it; NAME is the binary. With MAIN_GO (the text of a main.go),
# that main package is built instead, importing from MODULE what it needs.
build_module () {
  local name=$1 version=$2 dir=$3 module=$4 main_go=${5:-}
  if [ -x "$bin/$name" ]; then step "$name $version: cached"; return 0; fi
  step "building $name $version"
  if [ ! -f "$dir/.ready" ]; then
    rm -f "$dir/go.mod" "$dir/go.sum" "$dir/tools.go" "$dir/main.go"
    printf 'module podmap.local/%s\n\ngo %s\n' "$name" "$GO_MIN.0" > "$dir/go.mod"
    if [ -n "$main_go" ]; then
      printf '%s\n' "$main_go" > "$dir/main.go"
      (cd "$dir" && quiet go.log go get "$module@$version")
      # The k8s.io/* modules it needs on the control plane's release line (staging v0.N.P for v1.N.P).
      local staging="v0.${K8S_VERSION#v1.}" m
      for m in k8s.io/api k8s.io/apimachinery k8s.io/client-go; do
        if grep -q "^[[:space:]]*$m " "$dir/go.mod"; then (cd "$dir" && quiet go.log go get "$m@$staging"); fi
      done
      (cd "$dir" && quiet go.log go mod tidy)
    else
      printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$module" > "$dir/tools.go"
      (cd "$dir" && quiet go.log go get "$module@$version")
    fi
    touch "$dir/.ready"
  fi
  if [ -n "$main_go" ]; then
    (cd "$dir" && go build -ldflags "$ldflags" -o "$bin/$name.tmp" .)
  else
    (cd "$dir" && go build -ldflags "$ldflags" -o "$bin/$name.tmp" "$module")
  fi
  mv "$bin/$name.tmp" "$bin/$name"
  step "$name $version: built"
}

# CoreDNS as the testbed runs it (test/testbed/cluster/coredns-addon.ts: errors, log, kubernetes,
# forward, cache, loadbalance; health and ready for probes): the full build's other plugins (cloud
# DNS providers, etcd, dnstap, ...) took more than half of a cold control-plane build, mostly their
# module downloads. coremain orders the plugins by the upstream directive list.
coredns_main='// The testbed'"'"'s cluster DNS: CoreDNS with the plugins its Corefile uses (scripts/install-control-plane.sh).
package main

import (
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() { coremain.Run() }'

command -v go >/dev/null || { echo "control plane: go is not on the PATH (Go $GO_MIN or later is needed)" >&2; exit 1; }
# The lanes share Go's build and module caches, which are safe for concurrent use.
pids=()
build_module etcd "$ETCD_VERSION" "$etcd_dir" go.etcd.io/etcd/server/v3 & pids+=($!)
build_k8s & pids+=($!)
build_module coredns "$COREDNS_VERSION" "$coredns_dir" github.com/coredns/coredns "$coredns_main" & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || { echo "control plane: a build failed (its output is above)" >&2; exit 1; }
ln -sfn "$bin" "$cache/control-plane"
step "ready"
echo "control plane: bin=$bin"
