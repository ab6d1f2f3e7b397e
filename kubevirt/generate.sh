#!/usr/bin/env bash
# Writes KubeVirt's CRDs for VirtualMachineInstance, VirtualMachineInstanceMigration and KubeVirt
# from KubeVirt's own Go module at the version pinned here (kubevirt/tools reads its sources):
#   kubevirt/crds/<plural>.kubevirt.io.yaml           complete, as virt-operator installs them
#   operator/src/main/kubevirt/<plural>.kubevirt.io.yaml  pruned to the fields the operator reads:
#                                                     the input of the Java model (operator/pom.xml)
# Usage: kubevirt/generate.sh [CRD_DIR PRUNED_DIR]   (KubeVirtCrdsE2E writes to e2e/target and
#        compares with the committed files)
#        kubevirt/generate.sh --kubevirt-module-dir  prints where the kubevirt.io/kubevirt module is
# Needs `go` on PATH and the Go module proxy (or a module cache that has the modules).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# The modules and their go.sum hashes: a different download fails instead of changing the CRDs.
kubevirt_version="v1.9.0"
kubevirt_sum="h1:eauQfI39dRALNciMIQtR7UsbTUjUft5V6IBO57Icl/k="
api_version="v1.9.0"
api_sum="h1:FWqx9yGk/GHUP5o4IthGXZ8FeAlgVNv2It48wD86UUo="

module_dir() { # module, version, expected sum
  local json dir sum
  # Outside any module (GOFLAGS cleared): downloads just this module, not its dependencies.
  json="$(cd / && GOFLAGS= GO111MODULE=on go mod download -json "$1@$2")"
  dir="$(sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  sum="$(sed -n 's/^\s*"Sum": "\(.*\)",$/\1/p' <<<"$json")"
  if [ "$sum" != "$3" ] || [ ! -d "$dir" ]; then
    echo "kubevirt/generate.sh: $1@$2: expected sum $3, got '$sum' (dir '$dir')" >&2
    exit 1
  fi
  echo "$dir"
}

kubevirt_dir="$(module_dir kubevirt.io/kubevirt "$kubevirt_version" "$kubevirt_sum")"
if [ "${1:-}" = "--kubevirt-module-dir" ]; then
  echo "$kubevirt_dir"
  exit 0
fi
out="${1:-$root/kubevirt/crds}"
pruned_out="${2:-$root/operator/src/main/kubevirt}"
api_dir="$(module_dir kubevirt.io/api "$api_version" "$api_sum")"
cd "$root/kubevirt/tools"
GOFLAGS=-mod=mod go run . \
  -kubevirt "$kubevirt_dir" -kubevirt-version "$kubevirt_version" \
  -api "$api_dir" -api-version "$api_version" \
  -out "$out" -pruned-out "$pruned_out"
