package io.nestedvirt.operator.demand;

import io.nestedvirt.operator.api.v1alpha1.Workload;
import io.nestedvirt.operator.cloud.InstanceType;
import java.util.List;
import java.util.Map;

/** What a node of an instance type will report as its capacity, before anything is reserved. */
final class NodeCapacity {
  private NodeCapacity() {}

  /**
   * The share of an instance type's memory that the node will not report: what the kernel and
   * firmware keep. 7.5% is Karpenter's default {@code vmMemoryOverheadPercent}, a deliberate
   * over-estimate (a real guest keeps less), so that the operator never plans on memory a node will
   * not have.
   */
  static final long VM_MEMORY_OVERHEAD_PER_MILLE = 75;

  /**
   * cpu: the vCPUs; memory: the type's MiB less {@link #VM_MEMORY_OVERHEAD_PER_MILLE} (rounded up
   * to whole MiB, as Karpenter does); pods: EKS max pods; and the add-ons' devices. Ephemeral
   * storage is left out: the operator does not plan on it.
   */
  static Resources of(InstanceType type, List<Workload> workloads) {
    // Integer arithmetic: a double would round 4000 * 0.075 up to 301.
    long overheadMiB = Math.ceilDiv(type.memoryMiB() * VM_MEMORY_OVERHEAD_PER_MILLE, 1000);
    Resources capacity =
        new Resources(
            Map.of(
                Resources.CPU,
                type.vcpus() * 1000L,
                Resources.MEMORY,
                Resources.mebibytes(Math.max(0, type.memoryMiB() - overheadMiB)),
                Resources.PODS,
                (long) KubeletReservations.maxPods(type)));
    for (Workload workload : workloads) {
      capacity = capacity.plus(AddOns.resources(workload));
    }
    return capacity;
  }
}
