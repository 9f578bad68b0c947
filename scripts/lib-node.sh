# shellcheck shell=sh disable=SC2034
# Sourced (POSIX sh) by the scripts that need the project's pinned Node.js: where it lives.
#   NODE_HOME       the version-keyed install outside the repository, laid out like Node's own
#                   release tarball (bin/node, bin/npm, include/node, lib/node_modules/npm)
#   NODE_TOOLS_BIN  the repository's .tools/bin, where scripts/install-node.sh links node, npm, npx
#   BASE_IMAGE_NAME the local base image of the image test, holding that Node (scripts/build-base-image.sh)
# Needs PODMAP_ROOT (the repository) set by the caller.
. "$PODMAP_ROOT/scripts/lib-versions.sh"
NODE_HOME=${PODMAP_TOOLS_CACHE:-/var/cache/podmap-tools}/node-v$NODE_VERSION-npm-v$NPM_VERSION
NODE_TOOLS_BIN=$PODMAP_ROOT/.tools/bin
BASE_IMAGE_NAME=localhost/podmap-base:bookworm-node-v$NODE_VERSION-npm-v$NPM_VERSION
