// The generator of KubeVirt's CRDs (kubevirt/generate.sh): standard library only, so it builds
// without resolving KubeVirt's own dependency graph. It reads KubeVirt's module sources, which
// generate.sh downloads at a pinned version.
module nestedvirt.io/kubevirt-crds

go 1.24
