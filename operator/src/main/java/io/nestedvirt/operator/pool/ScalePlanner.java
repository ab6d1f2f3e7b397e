package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.conditions.Names;
import io.nestedvirt.operator.instance.InstancePhase;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/** Pure planning of how many machines to add and which to remove. Touches no client. */
public final class ScalePlanner {
  private ScalePlanner() {}

  /** What to do to go from the serving machines to {@code desired}. */
  public record ScalePlan(int toLaunch, List<NestedVirtInstance> toRemove) {}

  /**
   * @param desired the spec's replicas
   * @param serving machines that count toward the pool (not failed, not being deleted)
   * @param pods how many pods run on a machine's node; asked only when scaling down
   */
  public static ScalePlan plan(
      int desired, List<NestedVirtInstance> serving, ToIntFunction<NestedVirtInstance> pods) {
    int current = serving.size();
    if (current < desired) {
      return new ScalePlan(desired - current, List.of());
    }
    int excess = current - Math.max(0, desired);
    if (excess <= 0) {
      return new ScalePlan(0, List.of());
    }
    Map<String, Integer> podCounts = new HashMap<>();
    ToIntFunction<NestedVirtInstance> cachedPods =
        m -> podCounts.computeIfAbsent(m.name(), n -> pods.applyAsInt(m));
    return new ScalePlan(
        0, serving.stream().sorted(scaleDownOrder(cachedPods)).limit(excess).toList());
  }

  /**
   * Which machines go first on scale-down: those not launched yet, which cost nothing to remove (so
   * that a launch decided before a scale-down never lands after it); then those that serve nothing
   * yet (not joined, then not verified); then the Ready ones with the fewest pods (the cheapest to
   * drain); then the newest (the oldest have proven themselves); then by name, so the choice is
   * stable.
   */
  static Comparator<NestedVirtInstance> scaleDownOrder(ToIntFunction<NestedVirtInstance> pods) {
    return Comparator.comparingInt(ScalePlanner::rank)
        .thenComparingInt(m -> phase(m) == InstancePhase.Ready ? pods.applyAsInt(m) : 0)
        .thenComparing(ScalePlanner::age, Comparator.reverseOrder())
        .thenComparing(NestedVirtInstance::name);
  }

  private static int rank(NestedVirtInstance m) {
    if (m.instanceId() == null) {
      return 0;
    }
    return switch (phase(m)) {
      case Failed -> 1;
      case Launching, Joining -> 2;
      case Verifying -> 3;
      default -> 4;
    };
  }

  static InstancePhase phase(NestedVirtInstance m) {
    return m.getStatus() == null || m.getStatus().phase == null
        ? InstancePhase.Launching
        // A phase only a newer operator version knows counts as still starting.
        : Names.parse(InstancePhase.class, m.getStatus().phase).orElse(InstancePhase.Launching);
  }

  /** When the machine's instance launched, else when the machine was created. */
  static Instant age(NestedVirtInstance m) {
    if (m.getStatus() != null && m.getStatus().launchTime != null) {
      return Instant.parse(m.getStatus().launchTime);
    }
    String created = m.getMetadata().getCreationTimestamp();
    return created == null ? Instant.MAX : Instant.parse(created);
  }
}
