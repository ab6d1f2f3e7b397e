package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import io.nestedvirt.operator.conditions.Conditions;
import io.nestedvirt.operator.instance.InstanceConditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pure: which unhealthy machines the pool replaces now, as managed node repair decides. A machine
 * is unhealthy while its Healthy condition is False (its instance controller sets it, with the time
 * it turned False); it is replaced once that is {@code spec.repair.notReadyTimeout} ago. When more
 * than {@link #MAX_UNHEALTHY_PERCENT}% of the pool's nodes (at least one) are unhealthy at once,
 * none is: what fails together (a zone, the network, the control plane) is rarely cured by
 * replacing it, and a mass replacement would only add to the outage. Touches no client.
 */
public final class RepairPlanner {
  /** As EKS managed node repair: beyond this share of unhealthy nodes, none is replaced. */
  static final int MAX_UNHEALTHY_PERCENT = 20;

  private RepairPlanner() {}

  /** One unhealthy machine: why (the Healthy condition) and since when. */
  public record Unhealthy(NestedVirtInstance machine, Condition healthy, Instant since) {}

  /**
   * What the pool does about its unhealthy machines.
   *
   * @param enabled spec.repair.enabled
   * @param timeout spec.repair.notReadyTimeout
   * @param nodes the pool's nodes the share is taken of (machines that count toward it)
   * @param unhealthy every unhealthy machine, those being replaced included, oldest first
   * @param toRepair the machines to delete now (each drains and terminates; a successor follows)
   * @param nextDeadline when the next unhealthy machine reaches its timeout, if repair may act
   */
  public record RepairPlan(
      boolean enabled,
      Duration timeout,
      int nodes,
      List<Unhealthy> unhealthy,
      List<NestedVirtInstance> toRepair,
      Optional<Instant> nextDeadline) {

    /** At most this many unhealthy machines at once are repaired. */
    public int allowed() {
      return RepairPlanner.allowed(nodes);
    }

    /** Too many are unhealthy at once: none is repaired. */
    public boolean blocked() {
      return enabled && unhealthy.size() > allowed();
    }

    /** Sets the pool's NodesHealthy condition from the plan; returns its message. */
    String report(PoolConditions conditions) {
      String off = "automatic repair is off (spec.repair.enabled: false)";
      if (unhealthy.isEmpty()) {
        String healthy = "no verified node unhealthy";
        conditions.set(
            ConditionType.NODES_HEALTHY,
            true,
            enabled ? ConditionReason.AllHealthy : ConditionReason.RepairDisabled,
            enabled ? healthy : healthy + "; " + off);
        return healthy;
      }
      String count = unhealthy.size() + " of " + nodes + " nodes unhealthy: " + names();
      String message;
      ConditionReason reason;
      if (!enabled) {
        reason = ConditionReason.RepairDisabled;
        message = count + "; " + off;
      } else if (blocked()) {
        reason = ConditionReason.RepairBlocked;
        message =
            count
                + "; more than "
                + MAX_UNHEALTHY_PERCENT
                + "% of the pool (at most "
                + allowed()
                + " at once), so none is replaced: look for what they share (a zone, the"
                + " network); kubectl delete nvi NAME replaces one by hand";
      } else {
        reason = ConditionReason.Unhealthy;
        message =
            count
                + "; each is replaced after "
                + Durations.format(timeout)
                + " (spec.repair.notReadyTimeout) unless it recovers";
      }
      conditions.set(ConditionType.NODES_HEALTHY, false, reason, message);
      return message;
    }

    /** The first few unhealthy machines with why and since when. */
    private String names() {
      int shown = 3;
      String list =
          String.join(
              ", ",
              unhealthy.stream()
                  .limit(shown)
                  .map(
                      u ->
                          u.machine().getMetadata().getName()
                              + " ("
                              + u.healthy().reason
                              + " since "
                              + u.since()
                              + ")")
                  .toList());
      return unhealthy.size() > shown ? list + ", ..." : list;
    }
  }

  /** 20% of the pool's nodes, rounded down, but at least one. */
  static int allowed(int nodes) {
    return Math.max(1, nodes * MAX_UNHEALTHY_PERCENT / 100);
  }

  /**
   * @param serving the machines that count toward the pool (not failed, not leaving)
   * @param leaving the machines being deleted: an unhealthy one is still unhealthy until it is
   *     gone, so repairs go one share at a time
   */
  public static RepairPlan plan(
      RepairSpec spec,
      List<NestedVirtInstance> serving,
      List<NestedVirtInstance> leaving,
      Instant now) {
    Duration timeout = Durations.parse(spec.notReadyTimeout);
    List<Unhealthy> candidates = oldestFirst(serving.stream().flatMap(m -> unhealthy(m).stream()));
    List<Unhealthy> unhealthy =
        oldestFirst(
            Stream.concat(
                candidates.stream(), leaving.stream().flatMap(m -> unhealthy(m).stream())));
    RepairPlan idle =
        new RepairPlan(spec.on(), timeout, serving.size(), unhealthy, List.of(), Optional.empty());
    if (!spec.on() || idle.blocked()) {
      return idle;
    }
    List<NestedVirtInstance> due =
        candidates.stream()
            .filter(u -> !now.isBefore(u.since().plus(timeout)))
            .map(Unhealthy::machine)
            .toList();
    Optional<Instant> next =
        candidates.stream()
            .map(u -> u.since().plus(timeout))
            .filter(now::isBefore)
            .min(Comparator.naturalOrder());
    return new RepairPlan(true, timeout, serving.size(), unhealthy, due, next);
  }

  private static List<Unhealthy> oldestFirst(Stream<Unhealthy> unhealthy) {
    return unhealthy
        .sorted(
            Comparator.comparing(Unhealthy::since)
                .thenComparing(u -> u.machine().getMetadata().getName()))
        .toList();
  }

  private static Optional<Unhealthy> unhealthy(NestedVirtInstance m) {
    return MachineConditions.get(m, InstanceConditions.HEALTHY)
        .filter(c -> Conditions.FALSE.equals(c.status))
        .filter(c -> c.lastTransitionTime != null)
        .map(c -> new Unhealthy(m, c, Instant.parse(c.lastTransitionTime)));
  }
}
