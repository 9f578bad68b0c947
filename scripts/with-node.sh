#!/bin/sh
# Runs a command on the project's pinned Node.js: puts .tools/bin (node, npm, npx linked there by
# scripts/install-node.sh) first on the PATH, so `node` in the command, in every script it starts
# and in every process those spawn (by name or through process.execPath) is that Node, whatever Node
# started npm. Every npm script that runs node goes through here. Fails, saying why, when the pinned
# Node is not installed: it never falls back to another Node.
#   sh scripts/with-node.sh COMMAND [ARG...]
PODMAP_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$PODMAP_ROOT/scripts/lib-node.sh"
found=$("$NODE_TOOLS_BIN/node" --version 2>/dev/null)
if [ "$found" != "v$NODE_VERSION" ]; then
  echo "podmap runs on Node.js v$NODE_VERSION from $NODE_TOOLS_BIN/node, found ${found:-nothing there}: run \`npm run setup\`" >&2
  exit 1
fi
PATH=$NODE_TOOLS_BIN:$PATH
# npm tells scripts which node started it; make that the pinned one too (node-gyp and npx read them).
npm_node_execpath=$NODE_TOOLS_BIN/node
NODE=$NODE_TOOLS_BIN/node
npm_config_nodedir=$NODE_HOME
export PATH npm_node_execpath NODE npm_config_nodedir
exec "$@"
