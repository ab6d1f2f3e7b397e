package main

// keptFields are the fields of each KubeVirt kind that the operator reads, the only ones its Java
// model has. Why pruned: the operator holds every VirtualMachineInstance of the cluster in an
// informer cache, and a model of the complete schemas would hold, for each cached VMI, every
// device, disk, volume, interface and guest detail, for fields the operator never reads; it
// would also be a large model to build (fabric8's java-generator makes 394 classes, 5.6 MB of
// sources, from the complete v1 schemas of these three kinds, twice that with v1alpha3; the
// pruned ones make 16). A complete object still reads into the pruned model: the operator's
// client ignores, in these classes only, the fields they do not have (KubeVirtSerialization in
// the operator). A field the operator starts reading is added here; the generator fails when a
// path does not exist in KubeVirt's schema.
//
// A path names properties from the object's root; "[]" steps into the items of an array; a
// path that ends at an object keeps all of it.
var keptFields = map[string][]string{
	"VirtualMachineInstance": {
		"apiVersion", "kind", "metadata",
		"spec.evictionStrategy",
		"spec.domain.memory.guest",
		"spec.domain.resources.requests",
		"status.nodeName",
		"status.evacuationNodeName",
		"status.phase",
		"status.conditions[].type",
		"status.conditions[].status",
		"status.conditions[].reason",
		"status.conditions[].message",
		"status.conditions[].lastTransitionTime",
		"status.migrationState.sourceNode",
		"status.migrationState.targetNode",
		"status.migrationState.completed",
		"status.migrationState.failed",
		"status.migrationState.startTimestamp",
		"status.migrationState.endTimestamp",
		"status.migrationState.migrationUid",
	},
	"VirtualMachineInstanceMigration": {
		"apiVersion", "kind", "metadata",
		"spec.vmiName",
		"status.phase",
		"status.phaseTransitionTimestamps",
	},
	"KubeVirt": {
		"apiVersion", "kind", "metadata",
		"spec.configuration.evictionStrategy",
		"spec.configuration.migrations.parallelMigrationsPerCluster",
		"spec.configuration.migrations.parallelOutboundMigrationsPerNode",
		"spec.configuration.migrations.completionTimeoutPerGiB",
		"spec.configuration.migrations.progressTimeout",
	},
}
