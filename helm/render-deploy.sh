#!/usr/bin/env bash
# Renders the chart into plain manifests for `kubectl apply` users and the real-API-server
# tests: deploy/nestedvirt-operator.yaml (CRD, RBAC, operator, agent). Never edit that file;
# change the chart and run this (or ./mvnw -Pupdate-generated process-classes).
#   helm/render-deploy.sh [OUTPUT_DIR]     default: deploy
# Uses the pinned helm from e2e/install.sh, so everyone renders byte-identical output.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-deploy}"
cache="${NESTEDVIRT_E2E_CACHE:-$PWD/.e2e-cache}"
helm="${NESTEDVIRT_HELM:-$cache/bin/helm}"
if [ ! -x "$helm" ]; then
  echo "error: $helm is missing: run e2e/install.sh (it installs the pinned helm)" >&2
  exit 1
fi
mkdir -p "$out"
{
  cat <<'HEADER'
# GENERATED from helm/nestedvirt-operator by helm/render-deploy.sh: do not edit.
# Regenerate: ./mvnw -Pupdate-generated process-classes (or helm/render-deploy.sh).
# Rendered with helm/deploy-values.yaml: clusterName my-cluster, region us-east-1 (the
# operator Deployment's args); change them, or install the chart with your values instead.
# Namespaces: nestedvirt-system (restricted Pod Security) and nestedvirt-agent (privileged), both created here.
HEADER
  "$helm" template nestedvirt-operator helm/nestedvirt-operator \
    --namespace nestedvirt-system --include-crds --values helm/deploy-values.yaml
} > "$out/nestedvirt-operator.yaml.tmp"
mv "$out/nestedvirt-operator.yaml.tmp" "$out/nestedvirt-operator.yaml"
