#!/usr/bin/env bash
# Installs what lints the GitHub workflows (test/release/workflows.test.ts): actionlint, built from
# its Go module at ACTIONLINT_VERSION (scripts/lib-versions.sh) into a cache outside the repository
# keyed by version (PODMAP_TOOLS_CACHE, default /var/cache/podmap-tools), linked as
# .tools/bin/actionlint; and Debian's shellcheck, which actionlint runs on every `run:` step.
# Needs Go (the machines have it; CI's workflow sets it up). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-versions.sh
. scripts/lib-apt.sh
ensure_debs "lint packages" shellcheck
cache=${PODMAP_TOOLS_CACHE:-/var/cache/podmap-tools}/actionlint-$ACTIONLINT_VERSION
if [ ! -x "$cache/actionlint" ]; then
  command -v go >/dev/null || { echo "lint tools: go is missing: install Go to build actionlint $ACTIONLINT_VERSION" >&2; exit 1; }
  echo "lint tools: building actionlint $ACTIONLINT_VERSION"
  mkdir -p "$cache"
  GOBIN="$cache/.build" CGO_ENABLED=0 GOFLAGS=-trimpath go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$cache/.build/actionlint" "$cache/actionlint"
  rmdir "$cache/.build"
fi
mkdir -p .tools/bin
ln -sfn "$cache/actionlint" .tools/bin/actionlint
echo "lint tools: actionlint $(.tools/bin/actionlint -version | head -1), $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
