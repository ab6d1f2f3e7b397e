package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.InstanceConditions;
import io.nestedvirt.operator.instance.InstancePhase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pure: what a pool's status says about its machines. The counts (replicas, readyReplicas, phase
 * counts) and the Scaled condition are aggregated from the machines' own status; the pool never
 * looks at EC2 or Nodes for them.
 *
 * @param desired the spec's replicas
 * @param serving the machines that count toward the pool (not failed, not leaving)
 * @param all every machine of the pool, leaving ones included
 */
record PoolReport(int desired, List<NestedVirtInstance> serving, List<NestedVirtInstance> all) {

  /** Launched reasons that mean a machine is still trying (and the pool should say why). */
  private static final Set<String> LAUNCH_TROUBLE =
      Set.of("LaunchUncertain", "Throttled", "CloudError", "LaunchConfigInvalid");

  /** Draining reasons of a node with KubeVirt VMs, shown on the pool as they are. */
  private static final Set<String> VM_DRAIN =
      Set.of("Migrating", "WaitingForMigrationSlot", "WaitingForRoom");

  long ready() {
    return serving.stream().filter(m -> ScalePlanner.phase(m) == InstancePhase.Ready).count();
  }

  long leaving() {
    return all.size() - serving.size();
  }

  /** The pool has what its spec asks for: that many machines, all Ready, none leaving. */
  boolean complete() {
    return serving.size() == desired && ready() == desired && leaving() == 0;
  }

  /** Every phase, zeros included, so a pool's gauges and status show all of them. */
  Map<String, Integer> phaseCounts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (InstancePhase phase : InstancePhase.values()) {
      counts.put(phase.name(), 0);
    }
    for (NestedVirtInstance m : all) {
      InstancePhase phase = ScalePlanner.phase(m);
      if (m.isDeleting() && phase != InstancePhase.Draining) {
        phase = InstancePhase.Terminating;
      }
      counts.merge(phase.name(), 1, Integer::sum);
    }
    return counts;
  }

  /**
   * Sets Scaled: whether the pool has as many machines as it asks for, all launched or launching,
   * and if not, why (a machine whose launch EC2 keeps failing is there, but its instance is not).
   */
  void scaled(PoolConditions conditions, boolean capacityShort) {
    String count = serving.size() + " of " + desired + " machines";
    Optional<Condition> drainStuck = first(all, InstanceConditions.DRAINING, Set.of("DrainStuck"));
    Optional<Condition> launchTrouble = first(serving, InstanceConditions.LAUNCHED, LAUNCH_TROUBLE);
    Optional<Condition> vmDrain = first(all, InstanceConditions.DRAINING, VM_DRAIN);
    if (serving.size() == desired && leaving() == 0 && launchTrouble.isEmpty()) {
      conditions.set(ConditionType.SCALED, true, ConditionReason.Scaled, desired + " machines");
    } else if (drainStuck.isPresent()) {
      conditions.set(
          ConditionType.SCALED, false, ConditionReason.DrainStuck, drainStuck.get().message);
    } else if (vmDrain.isPresent()) {
      conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.valueOf(vmDrain.get().reason),
          count + ", " + leaving() + " being removed: " + vmDrain.get().message);
    } else if (capacityShort) {
      conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.InsufficientCapacity,
          count
              + ": no capacity for (or no offering of) the listed types in the subnets' zones;"
              + " retrying, or add"
              + " instance types or subnets");
    } else if (launchTrouble.isPresent()) {
      conditions.set(
          ConditionType.SCALED,
          false,
          "Throttled".equals(launchTrouble.get().reason)
              ? ConditionReason.Throttled
              : ConditionReason.CloudError,
          count + ": " + launchTrouble.get().message);
    } else {
      conditions.set(
          ConditionType.SCALED,
          false,
          serving.size() < desired ? ConditionReason.ScalingUp : ConditionReason.ScalingDown,
          count + (leaving() == 0 ? "" : ", " + leaving() + " being removed"));
    }
  }

  /** The first machine's condition of this type with one of these reasons. */
  private static Optional<Condition> first(
      List<NestedVirtInstance> machines, String type, Set<String> reasons) {
    return machines.stream()
        .flatMap(m -> MachineConditions.get(m, type).stream())
        .filter(c -> reasons.contains(c.reason))
        .findFirst();
  }
}
