// Command kubevirt-crds writes KubeVirt's CustomResourceDefinitions for VirtualMachineInstance,
// VirtualMachineInstanceMigration and KubeVirt, read from KubeVirt's own Go module sources:
//
//   - the envelope (names, scope, labels, versions, printer columns, subresources) from the
//     functions of pkg/virt-operator/resource/generate/components/crds.go that virt-operator
//     calls to install them, with the constants they name from the kubevirt.io/api module;
//   - the schema of every version from the CRDsValidation map in validations_generated.go of
//     the same package (KubeVirt generates it from its Go types).
//
// It writes each CRD twice: complete, as virt-operator installs it (-out), and pruned to the
// fields the operator reads (-pruned-out, see kept.go), the input of the Java model.
//
// Only the standard library: go/parser reads KubeVirt's sources without building them, so
// KubeVirt's own dependency graph never needs resolving. Run through kubevirt/generate.sh,
// which pins the module versions.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// What to generate: the function of crds.go that builds each CRD.
var crdFunctions = []string{
	"NewVirtualMachineInstanceCrd",
	"NewVirtualMachineInstanceMigrationCrd",
	"NewKubeVirtCrd",
}

func main() {
	kubevirtDir := flag.String("kubevirt", "", "directory of the kubevirt.io/kubevirt module")
	apiDir := flag.String("api", "", "directory of the kubevirt.io/api module")
	kubevirtVersion := flag.String("kubevirt-version", "", "version of kubevirt.io/kubevirt, for the header")
	apiVersion := flag.String("api-version", "", "version of kubevirt.io/api, for the header")
	out := flag.String("out", "", "directory for the complete CRDs")
	prunedOut := flag.String("pruned-out", "", "directory for the CRDs pruned to the operator's fields")
	flag.Parse()
	if *kubevirtDir == "" || *apiDir == "" || *kubevirtVersion == "" || *apiVersion == "" || *out == "" || *prunedOut == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*kubevirtDir, *apiDir, *kubevirtVersion, *apiVersion, *out, *prunedOut); err != nil {
		fmt.Fprintln(os.Stderr, "kubevirt-crds:", err)
		os.Exit(1)
	}
}

func run(kubevirtDir, apiDir, kubevirtVersion, apiVersion, out, prunedOut string) error {
	components := filepath.Join(kubevirtDir, "pkg", "virt-operator", "resource", "generate", "components")
	schemas, err := readValidations(filepath.Join(components, "validations_generated.go"))
	if err != nil {
		return err
	}
	sources, err := readEnvelopeSources(filepath.Join(components, "crds.go"), apiDir)
	if err != nil {
		return err
	}
	source := fmt.Sprintf("KubeVirt's Go modules kubevirt.io/kubevirt %s\n"+
		"# (pkg/virt-operator/resource/generate/components/crds.go, validations_generated.go) and\n"+
		"# kubevirt.io/api %s", kubevirtVersion, apiVersion)
	for _, dir := range []string{out, prunedOut} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for _, function := range crdFunctions {
		crd, err := sources.envelope(function)
		if err != nil {
			return fmt.Errorf("%s: %w", function, err)
		}
		schema, ok := schemas[crd.Singular]
		if !ok {
			return fmt.Errorf("validations_generated.go has no schema %q", crd.Singular)
		}
		file := crd.Name() + ".yaml"
		if err := os.WriteFile(filepath.Join(out, file), []byte(renderCrd(crd, crd.Versions, schema, completeHeader(source))), 0o644); err != nil {
			return err
		}
		pruned, err := pruneSchema(schema, keptFields[crd.Kind])
		if err != nil {
			return fmt.Errorf("pruning %s: %w", crd.Kind, err)
		}
		storage, err := crd.storageVersion()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(prunedOut, file), []byte(renderCrd(crd, []version{storage}, pruned, prunedHeader(source, crd.Kind))), 0o644); err != nil {
			return err
		}
	}
	return nil
}
