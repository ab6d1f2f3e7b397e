#!/usr/bin/env bash
# Installs the real-peer test tier's tools, pinned, from the package registries into a
# git-ignored cache (default .e2e-cache/ in the repository; NESTEDVIRT_E2E_CACHE moves it):
#   kube-apiserver, kubectl  built with Go from k8s.io/kubernetes (e2e/tools/go.mod pins it)
#   kube-controller-manager  same; the E2E stack runs only its disruption controller (PDBs),
#                            tests that ask for it also its DaemonSet controller
#   kube-scheduler           same; started only for the tests that ask for it
#   etcd                     built with Go from go.etcd.io/etcd/server/v3 (same go.mod)
#   moto[server]             EC2 emulator from PyPI, in its own virtualenv
#   helm, kubeconform        Go modules, for the chart checks (kubeconform's schemas come from
#                            k8s.io/kubernetes' api/openapi-spec in the Go module cache)
#   cfn-lint, python-hcl2    from PyPI, each in its own virtualenv, and hclfmt (HashiCorp's HCL
#                            formatter, Go module github.com/hashicorp/hcl/v2), for the checks of
#                            deploy/interruption/ (no terraform binary comes from a registry)
# A tool already in the cache is not rebuilt; the second run takes seconds. Prints what it
# built and how long each step took, and finally the environment the tests read.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
cache="${NESTEDVIRT_E2E_CACHE:-$root/.e2e-cache}"
mkdir -p "$cache"

k8s_version="$(sed -n 's/^\s*k8s.io\/kubernetes v\([0-9.]*\).*/\1/p' e2e/tools/go.mod | head -1)"
etcd_version="$(sed -n 's/^\s*go.etcd.io\/etcd\/server\/v3 v\([0-9.]*\).*/\1/p' e2e/tools/go.mod | head -1)"
moto_version="5.2.5"
helm_version="3.19.0"
kubeconform_version="0.7.0"
cfn_lint_version="1.58.0"
python_hcl2_version="8.1.4"
hcl_version="2.25.0"

# fabric8 kube-api-test looks for binaries in <dir>/k8s/<version>-<os>-<arch>/.
k8s_dir="$cache/k8s/$k8s_version-linux-amd64"
mkdir -p "$k8s_dir" "$cache/bin"

step() { # name, check-file, command...
  local name="$1" done_file="$2"; shift 2
  if [ -x "$done_file" ] || [ -f "$done_file.ok" ]; then
    echo "e2e/install: $name: cached"
    return
  fi
  local start=$SECONDS
  echo "e2e/install: $name: building..."
  "$@"
  echo "e2e/install: $name: built in $((SECONDS - start))s"
}

gobuild() { # output, package, [ldflags]
  (cd e2e/tools && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "${3:-}" -o "$1" "$2" 2>&1 |
    grep -v '^go: downloading' || true)
  [ -x "$1" ]
}

# What the official release build stamps in, so /version and kubectl report the real version.
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=v$k8s_version
  -X k8s.io/component-base/version.gitMajor=${k8s_version%%.*}
  -X k8s.io/component-base/version.gitMinor=$(echo "$k8s_version" | cut -d. -f2)
  -X k8s.io/component-base/version.gitTreeState=clean
  -X k8s.io/client-go/pkg/version.gitVersion=v$k8s_version
  -X k8s.io/client-go/pkg/version.gitMajor=${k8s_version%%.*}
  -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$k8s_version" | cut -d. -f2)"

step "kube-apiserver v$k8s_version" "$k8s_dir/kube-apiserver" \
  gobuild "$k8s_dir/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
step "kube-controller-manager v$k8s_version" "$k8s_dir/kube-controller-manager" \
  gobuild "$k8s_dir/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
step "kube-scheduler v$k8s_version" "$k8s_dir/kube-scheduler" \
  gobuild "$k8s_dir/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
step "kubectl v$k8s_version" "$k8s_dir/kubectl" \
  gobuild "$k8s_dir/kubectl" k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
step "etcd v$etcd_version" "$k8s_dir/etcd" \
  gobuild "$k8s_dir/etcd" ./etcd

moto_dir="$cache/moto-$moto_version"
install_moto() {
  rm -rf "$moto_dir"
  python3 -m venv "$moto_dir"
  "$moto_dir/bin/pip" install --quiet "moto[server]==$moto_version"
  touch "$moto_dir.ok"
}
step "moto[server] $moto_version" "$moto_dir" install_moto

venv() { # directory, requirement
  rm -rf "$1"
  python3 -m venv "$1"
  "$1/bin/pip" install --quiet "$2"
  touch "$1.ok"
}
cfn_lint_dir="$cache/cfn-lint-$cfn_lint_version"
step "cfn-lint $cfn_lint_version" "$cfn_lint_dir" venv "$cfn_lint_dir" "cfn-lint==$cfn_lint_version"
python_hcl2_dir="$cache/python-hcl2-$python_hcl2_version"
step "python-hcl2 $python_hcl2_version" "$python_hcl2_dir" \
  venv "$python_hcl2_dir" "python-hcl2==$python_hcl2_version"

goinstall() { # module@version
  env GOBIN="$cache/bin" GOFLAGS= go install "$1" 2>&1 | grep -v '^go: downloading' || true
  [ -x "$cache/bin/$(basename "${1%@*}")" ]
}
step "helm v$helm_version" "$cache/bin/helm" goinstall "helm.sh/helm/v3/cmd/helm@v$helm_version"
step "kubeconform v$kubeconform_version" "$cache/bin/kubeconform" \
  goinstall "github.com/yannh/kubeconform/cmd/kubeconform@v$kubeconform_version"
step "hclfmt v$hcl_version" "$cache/bin/hclfmt" \
  goinstall "github.com/hashicorp/hcl/v2/cmd/hclfmt@v$hcl_version"

# The Kubernetes OpenAPI spec of the same version, from the module cache that the builds above
# filled: the chart tests turn it into kubeconform's schemas (no download at test time).
openapi="$(cd e2e/tools && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)/api/openapi-spec/swagger.json"
[ -f "$openapi" ] || { echo "e2e/install: $openapi is missing" >&2; exit 1; }

cat > "$cache/e2e.env" <<ENV
NESTEDVIRT_E2E_CACHE=$cache
NESTEDVIRT_E2E_K8S_VERSION=$k8s_version
NESTEDVIRT_E2E_ETCD_VERSION=$etcd_version
NESTEDVIRT_E2E_MOTO=$moto_dir/bin/moto_server
NESTEDVIRT_E2E_MOTO_VERSION=$moto_version
NESTEDVIRT_E2E_KUBECTL=$k8s_dir/kubectl
NESTEDVIRT_E2E_KUBE_CONTROLLER_MANAGER=$k8s_dir/kube-controller-manager
NESTEDVIRT_E2E_KUBE_SCHEDULER=$k8s_dir/kube-scheduler
NESTEDVIRT_E2E_HELM=$cache/bin/helm
NESTEDVIRT_E2E_KUBECONFORM=$cache/bin/kubeconform
NESTEDVIRT_E2E_OPENAPI=$openapi
NESTEDVIRT_E2E_CFN_LINT=$cfn_lint_dir/bin/cfn-lint
NESTEDVIRT_E2E_HCL2JSON=$python_hcl2_dir/bin/hcl2tojson
NESTEDVIRT_E2E_HCLFMT=$cache/bin/hclfmt
ENV
echo "e2e/install: kube-apiserver $("$k8s_dir/kube-apiserver" --version 2>&1 | head -1)," \
  "kube-controller-manager $("$k8s_dir/kube-controller-manager" --version 2>&1 | head -1)," \
  "kube-scheduler $("$k8s_dir/kube-scheduler" --version 2>&1 | head -1)," \
  "etcd $("$k8s_dir/etcd" --version 2>&1 | head -1)," \
  "moto $("$moto_dir/bin/python" -c 'import moto; print(moto.__version__)')"
