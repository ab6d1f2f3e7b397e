package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.InstancePhase;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Pure: which outdated machines (drifted or expired) the pool replaces now, and how many extra
 * machines it runs meanwhile, as a Deployment's rolling update with {@code maxSurge} and {@code
 * maxUnavailable}. A replacement starts by taking a machine out of the count: the pool launches its
 * successor as for any missing machine, and the machine drains (its VMs migrate) and is deleted.
 * With a surge the successor comes first: the pool runs above its count until the successor is
 * verified and Ready, and only then takes an outdated machine out.
 *
 * <p>The budget: the pool's Ready machines never fall below {@code target - maxUnavailable} because
 * of a replacement, and at most {@code maxSurge + maxUnavailable} replacements are under way at
 * once, victims still draining included (so a drain held by a PodDisruptionBudget holds the rollout
 * rather than piling up nodes). An outdated machine that is not Ready serves nothing: it is
 * replaced at once, without cost to availability. A node that a VMI pins or {@code
 * nestedvirt.io/do-not-disrupt} holds is skipped, and said so. Outside the pool's disruption window
 * nothing new starts; surge machines launched before it closed stay.
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  /** The pool's rollout budget (spec.disruption). */
  public record Budget(int maxSurge, int maxUnavailable) {}

  /** Why outdated machines remain, for the pool's NodesUpToDate reason. */
  public enum Waiting {
    /** Nothing is outdated. */
    NOTHING,
    /** Replacements are under way or successors are on their way. */
    ROLLING,
    /** The disruption window is closed. */
    WINDOW,
    /** Every outdated machine that could go next is held (pinned VMs, do-not-disrupt). */
    HELD
  }

  /**
   * @param surge machines to run beyond the pool's count (successors launched ahead)
   * @param toReplace outdated machines to take out now, in order
   * @param held outdated machines skipped because something holds their node
   * @param waiting what the rollout waits for
   */
  public record RolloutPlan(
      int surge,
      List<NestedVirtInstance> toReplace,
      List<ScalePlanner.Held> held,
      Waiting waiting) {
    static final RolloutPlan NONE = new RolloutPlan(0, List.of(), List.of(), Waiting.NOTHING);
  }

  /**
   * @param target how many machines the pool is to have
   * @param serving machines that count toward the pool (not failed, not leaving)
   * @param outdated names of the serving machines that drifted or expired
   * @param replacing replacements under way: victims still draining
   * @param windowOpen whether voluntary replacement may start now
   * @param workloads what runs on a machine's node; asked only for outdated machines with a node,
   *     and only as far as the plan needs to look
   */
  public static RolloutPlan plan(
      int target,
      List<NestedVirtInstance> serving,
      Map<String, ?> outdated,
      int replacing,
      Budget budget,
      boolean windowOpen,
      Function<NestedVirtInstance, NodeWorkload> workloads) {
    List<NestedVirtInstance> candidates =
        serving.stream()
            .filter(m -> outdated.containsKey(m.name()))
            .sorted(replacementOrder())
            .toList();
    if (candidates.isEmpty()) {
      return RolloutPlan.NONE;
    }
    if (!windowOpen) {
      int kept = Math.min(budget.maxSurge(), Math.max(0, serving.size() - target));
      return new RolloutPlan(kept, List.of(), List.of(), Waiting.WINDOW);
    }
    int concurrency = budget.maxSurge() + budget.maxUnavailable();
    long available = serving.stream().filter(RolloutPlanner::ready).count();
    long minAvailable = (long) target - budget.maxUnavailable();
    List<NestedVirtInstance> toReplace = new ArrayList<>();
    List<ScalePlanner.Held> held = new ArrayList<>();
    int free = 0;
    int draining = replacing;
    for (NestedVirtInstance m : candidates) {
      boolean costsAvailability = ready(m);
      // A machine without a node is deleted at once: no drain to wait for, nothing to count.
      boolean mayTakeThis =
          !hasNode(m)
              || draining < concurrency && (!costsAvailability || available - 1 >= minAvailable);
      if (costsAvailability && !mayTakeThis && free - toReplace.size() >= budget.maxSurge()) {
        break; // the rest are Ready too and wait their turn: no need to read their nodes
      }
      List<String> holds = hasNode(m) ? workloads.apply(m).blockers() : List.of();
      if (!holds.isEmpty()) {
        held.add(new ScalePlanner.Held(m, holds));
        continue;
      }
      free++;
      if (mayTakeThis) {
        toReplace.add(m);
        draining += hasNode(m) ? 1 : 0;
        available -= costsAvailability ? 1 : 0;
      }
    }
    int surge =
        Math.max(
            0,
            Math.min(budget.maxSurge(), Math.min(free - toReplace.size(), concurrency - draining)));
    boolean progressing = free > 0 || replacing > 0;
    return new RolloutPlan(
        surge,
        List.copyOf(toReplace),
        List.copyOf(held),
        progressing ? Waiting.ROLLING : Waiting.HELD);
  }

  /**
   * Machines that serve nothing go first (they cost nothing to replace), then the oldest (expired
   * before merely drifted, as they are older), then by name so the order is stable.
   */
  static Comparator<NestedVirtInstance> replacementOrder() {
    return Comparator.<NestedVirtInstance, Boolean>comparing(RolloutPlanner::ready)
        .thenComparing(ScalePlanner::age)
        .thenComparing(NestedVirtInstance::name);
  }

  private static boolean ready(NestedVirtInstance m) {
    return InstancePhase.of(m) == InstancePhase.Ready;
  }

  static boolean hasNode(NestedVirtInstance m) {
    return m.getStatus() != null && m.getStatus().nodeName != null;
  }
}
