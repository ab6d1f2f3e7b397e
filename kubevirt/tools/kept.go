package main

// keptFields are the fields of each KubeVirt kind that the operator reads, the only ones its Java
// model has. Why pruned: the operator holds every VirtualMachineInstance of the cluster in an
// informer cache, and a model of the complete schema (thousands of classes: every device, disk
// and network of a VM) would cost heap for each cached VMI and minutes of build time, for fields
// the operator never reads. Reading a full object into the pruned model is safe: the generated
// classes ignore unknown fields. A field the operator starts reading is added here; the
// generator fails when a path does not exist in KubeVirt's schema.
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
