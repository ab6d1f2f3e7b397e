package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.kubevirt.LauncherPods;
import io.nestedvirt.operator.kubevirt.MigrationSettings;
import io.nestedvirt.operator.kubevirt.RoomForVms;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.node.DoNotDisrupt;
import io.nestedvirt.operator.node.NodeConditions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Holds a node whose VMs would migrate back from starting to drain, for two reasons:
 *
 * <ul>
 *   <li>KubeVirt's limits: it runs at most {@code parallelMigrationsPerCluster} migrations, {@code
 *       parallelOutboundMigrationsPerNode} per node; nodes draining beyond ceil(the first / the
 *       second) would only queue migrations inside KubeVirt while their drain deadlines run. The
 *       count is across all pools.
 *   <li>Room: the pool's other Ready nodes must have the memory and CPU its virt-launcher pods
 *       request, or the migrations cannot be scheduled. A deleted machine's successor is launched
 *       by the pool at once, so such a drain waits for it to be Ready (a surge of one).
 * </ul>
 *
 * A node with no VM to move passes at once. Checked before the drain starts only: once cordoned, a
 * drain goes on.
 */
final class VmDrainGate {
  /** Why a drain waits, for the Draining condition. */
  record Hold(InstanceReason reason, String message) {}

  private final VmInventory vms;
  private final ClusterCaches caches;
  private final Function<String, List<Pod>> podsOn;

  /** Machines this process let start draining with VMs, until their VMs have left. */
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  /**
   * @param podsOn the pods on a node, read from the API server (only when a node with VMs is about
   *     to drain)
   */
  VmDrainGate(VmInventory vms, ClusterCaches caches, Function<String, List<Pod>> podsOn) {
    this.vms = vms;
    this.caches = caches;
    this.podsOn = podsOn;
  }

  /** Empty when the machine's drain may start; a slot is then taken until its VMs have left. */
  synchronized Optional<Hold> hold(Machine m, List<Vm> movers) {
    if (m.object.isScaleDownVictim() && !m.object.isDeleting()) {
      Optional<Hold> held = doNotDisrupt(m);
      if (held.isPresent()) {
        return held;
      }
    }
    if (movers.isEmpty()) {
      return Optional.empty();
    }
    Optional<Hold> slot = slot(m);
    if (slot.isPresent()) {
      return slot;
    }
    Optional<Hold> room = room(m, movers);
    if (room.isPresent()) {
      return room;
    }
    admitted.add(m.object.uid());
    return Optional.empty();
  }

  private Optional<Hold> doNotDisrupt(Machine m) {
    String nodeName = m.node.getMetadata().getName();
    if (DoNotDisrupt.holds(m.node)) {
      return Optional.of(
          new Hold(
              InstanceReason.DoNotDisrupt,
              "node " + nodeName + " carries " + DoNotDisrupt.ANNOTATION + ": \"true\""));
    }
    return podsOn.apply(nodeName).stream()
        .filter(DoNotDisrupt::holds)
        .findFirst()
        .map(
            p ->
                new Hold(
                    InstanceReason.DoNotDisrupt,
                    "pod "
                        + p.getMetadata().getNamespace()
                        + "/"
                        + p.getMetadata().getName()
                        + " on node "
                        + nodeName
                        + " carries "
                        + DoNotDisrupt.ANNOTATION
                        + ": \"true\""));
  }

  /** A draining machine whose node has no VM left to move gives its slot back. */
  void moved(String uid) {
    admitted.remove(uid);
  }

  private Optional<Hold> slot(Machine m) {
    MigrationSettings settings = vms.settings();
    int limit = settings.maxDrainingNodes();
    List<NestedVirtInstance> all =
        caches.machines().orElseGet(java.util.stream.Stream::of).toList();
    // Admitted machines that are gone from the cache no longer hold a slot.
    Set<String> cached = all.stream().map(NestedVirtInstance::uid).collect(Collectors.toSet());
    admitted.retainAll(cached);
    Set<String> holders = new TreeSet<>();
    all.stream()
        .filter(o -> !o.uid().equals(m.object.uid()))
        .filter(o -> admitted.contains(o.uid()) || drainingWithVms(o))
        .forEach(o -> holders.add(o.name()));
    if (holders.size() < limit) {
      return Optional.empty();
    }
    return Optional.of(
        new Hold(
            InstanceReason.WaitingForMigrationSlot,
            holders.size()
                + " nodes with VMs are draining ("
                + String.join(", ", holders)
                + "); KubeVirt's limits (parallelMigrationsPerCluster "
                + settings.parallelMigrationsPerCluster()
                + ", parallelOutboundMigrationsPerNode "
                + settings.parallelOutboundMigrationsPerNode()
                + ") allow "
                + limit
                + " at once"));
  }

  private boolean drainingWithVms(NestedVirtInstance o) {
    String node = o.getStatus() == null ? null : o.getStatus().nodeName;
    return node != null
        && isTrue(o, InstanceConditions.DRAINING)
        && !isTrue(o, InstanceConditions.DRAINED)
        && vms.onNode(node).stream().anyMatch(Vm::moving);
  }

  /** A condition of another machine as its status holds it. */
  private static boolean isTrue(NestedVirtInstance o, String type) {
    return o.getStatus() != null
        && o.getStatus().conditions != null
        && o.getStatus().conditions.stream()
            .anyMatch(c -> type.equals(c.type) && "True".equals(c.status));
  }

  private Optional<Hold> room(Machine m, List<Vm> movers) {
    if (m.pool == null
        || m.pool.getMetadata().getDeletionTimestamp() != null
        || m.pool.targetReplicas() == 0) {
      return Optional.empty(); // the pool is going away: there is nowhere to move to
    }
    String nodeName = m.node.getMetadata().getName();
    Set<String> moving = movers.stream().map(Vm::key).collect(Collectors.toSet());
    List<Pod> launchers =
        podsOn.apply(nodeName).stream()
            .filter(p -> LauncherPods.vmiKey(p).filter(moving::contains).isPresent())
            .toList();
    Map<Node, List<Pod>> targets = new LinkedHashMap<>();
    List<String> targetNames = new java.util.ArrayList<>();
    for (Node node : targetNodes(m)) {
      targets.put(node, podsOn.apply(node.getMetadata().getName()));
      targetNames.add(node.getMetadata().getName());
    }
    RoomForVms.Verdict verdict = RoomForVms.check(launchers, targets);
    if (verdict.fits()) {
      return Optional.empty();
    }
    return Optional.of(
        new Hold(
            InstanceReason.WaitingForRoom,
            "the VMs on node "
                + nodeName
                + " ("
                + String.join(", ", new TreeSet<>(moving))
                + ") request "
                + verdict.needed().describe()
                + "; the pool's other Ready nodes "
                + (targetNames.isEmpty() ? "(none)" : String.join(", ", targetNames))
                + " have "
                + verdict.free().describe()
                + " free, not enough for each to land: waiting for a new node to be Ready"
                + (m.object.isScaleDownVictim()
                    ? " (raise replicas back, or free capacity, for this scale-down to go on)"
                    : " (the pool is launching this machine's successor)")));
  }

  /** The pool's Ready, schedulable nodes that stay (not leaving, not this one). */
  private List<Node> targetNodes(Machine m) {
    Map<String, Node> nodes =
        caches
            .nodes()
            .orElseGet(java.util.stream.Stream::of)
            .collect(Collectors.toMap(n -> n.getMetadata().getName(), n -> n, (a, b) -> a));
    return caches
        .machines()
        .orElseGet(java.util.stream.Stream::of)
        .filter(o -> m.pool.name().equals(o.poolName()))
        .filter(o -> !o.uid().equals(m.object.uid()) && !o.isLeaving())
        .map(o -> o.getStatus() == null ? null : o.getStatus().nodeName)
        .filter(java.util.Objects::nonNull)
        .map(nodes::get)
        .filter(java.util.Objects::nonNull)
        .filter(NodeConditions::isReady)
        .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
        .sorted(java.util.Comparator.comparing(n -> n.getMetadata().getName()))
        .toList();
  }
}
