#!/usr/bin/env bash
# Copies the CRDs the build generated to every place that ships them:
#   crds/                                   the committed copy (kubectl apply, the tests)
#   helm/nestedvirt-operator/crds/          installed by the main chart's first install only
#   helm/nestedvirt-operator-crds/templates/ the CRD chart: `helm upgrade` of it updates them
# Never edit those files; run ./mvnw -Pupdate-generated process-classes (which calls this).
#   helm/copy-crds.sh GENERATED_DIR        (operator/target/classes/META-INF/fabric8)
set -euo pipefail
cd "$(dirname "$0")/.."
generated="${1:?usage: helm/copy-crds.sh GENERATED_DIR}"
shopt -s nullglob
crds=("$generated"/*-v1.yml)
if [ ${#crds[@]} -eq 0 ]; then
  echo "error: no generated CRD in $generated: build the operator module first" >&2
  exit 1
fi
for dir in crds helm/nestedvirt-operator/crds helm/nestedvirt-operator-crds/templates; do
  mkdir -p "$dir"
  cp "${crds[@]}" "$dir/"
done
