/**
 * What the operator knows of KubeVirt: the VirtualMachineInstances on each node, their eviction
 * strategies and migrations, and KubeVirt's migration limits. Drains and scale-down choices read it
 * through {@link io.nestedvirt.operator.kubevirt.VmInventory}; on a cluster without KubeVirt the
 * inventory is empty and every pod is drained as an ordinary pod.
 */
package io.nestedvirt.operator.kubevirt;
