package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.util.ArrayList;
import java.util.List;

/**
 * What runs on a machine's node, as a scale-down choice weighs it. Pure: built from what the pool
 * controller read.
 *
 * @param pods how many pods are on the node
 * @param vms the VMIs on the node
 * @param holds who holds the node back from a voluntary disruption, as messages name them (the Node
 *     or pods with {@link DoNotDisrupt#ANNOTATION}, or pods that could not be read)
 */
public record NodeWorkload(int pods, List<Vm> vms, List<String> holds) {
  /** A machine without a node: nothing on it, nothing holds it. */
  public static final NodeWorkload NONE = new NodeWorkload(0, List.of(), List.of());

  /**
   * @param node the Node, null when it cannot be found (then only its pods can hold it)
   * @param pods the pods whose {@code spec.nodeName} is the node
   * @param vms the VMIs on the node
   */
  public static NodeWorkload of(Node node, List<Pod> pods, List<Vm> vms) {
    List<String> holds = new ArrayList<>();
    if (node != null && DoNotDisrupt.holds(node)) {
      holds.add("the Node has " + DoNotDisrupt.ANNOTATION);
    }
    for (Pod pod : pods) {
      if (DoNotDisrupt.holds(pod)) {
        holds.add(
            "pod "
                + pod.getMetadata().getNamespace()
                + "/"
                + pod.getMetadata().getName()
                + " has "
                + DoNotDisrupt.ANNOTATION);
      }
    }
    return new NodeWorkload(pods.size(), List.copyOf(vms), List.copyOf(holds));
  }

  /**
   * The Node or its pods could not be read: either may carry {@link DoNotDisrupt#ANNOTATION}, so
   * the node is held until they can be (a voluntary disruption waits rather than guesses).
   */
  public static NodeWorkload unreadable(String why, List<Vm> vms) {
    return new NodeWorkload(
        0, List.copyOf(vms), List.of("its Node or pods could not be read (" + why + ")"));
  }

  /** Guest memory to copy when the node drains: the VMs that move on eviction. */
  public long vmMemoryToMove() {
    return vms.stream().filter(Vm::movesOnEviction).mapToLong(Vm::memoryBytes).sum();
  }

  /**
   * Why the node cannot go now: VMIs a drain could neither move nor evict (KubeVirt refuses the
   * eviction of a LiveMigrate VMI that cannot migrate), then the holds; empty when it can go.
   */
  public List<String> blockers() {
    List<String> why = new ArrayList<>();
    for (Vm vm : vms) {
      if (vm.pinsNode()) {
        String because = vm.notMigratableBecause();
        why.add(
            "VMI "
                + vm.key()
                + " is LiveMigrate but not migratable"
                + (because == null || because.isBlank() ? "" : " (" + because + ")"));
      }
    }
    why.addAll(holds);
    return why;
  }
}
