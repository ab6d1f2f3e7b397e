package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.Instance;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** Pure planning of how many instances to add and which to remove. Touches no client. */
public final class ScalePlanner {
  private ScalePlanner() {}

  /** What to do to go from the serving instances to {@code desired}. */
  public record ScalePlan(int toLaunch, List<Instance> toTerminate) {}

  /**
   * @param desired the spec's replicas
   * @param serving instances that count toward the pool (not failed, not leaving)
   * @param phase each instance's phase
   * @param pods how many pods run on an instance's node; asked only when scaling down
   */
  public static ScalePlan plan(
      int desired,
      List<Instance> serving,
      Function<Instance, InstancePhase> phase,
      ToIntFunction<Instance> pods) {
    int current = serving.size();
    if (current < desired) {
      return new ScalePlan(desired - current, List.of());
    }
    int excess = Math.min(serving.size(), current - desired);
    if (excess <= 0) {
      return new ScalePlan(0, List.of());
    }
    Map<String, Integer> podCounts = new HashMap<>();
    ToIntFunction<Instance> cachedPods =
        i -> podCounts.computeIfAbsent(i.id(), id -> pods.applyAsInt(i));
    return new ScalePlan(
        0, serving.stream().sorted(scaleDownOrder(phase, cachedPods)).limit(excess).toList());
  }

  /**
   * Which instances go first on scale-down: those that serve nothing yet (not joined, then not
   * verified), then the Ready ones with the fewest pods (the cheapest to drain), then the newest
   * (the oldest have proven themselves), then by id so the choice is stable.
   */
  static Comparator<Instance> scaleDownOrder(
      Function<Instance, InstancePhase> phase, ToIntFunction<Instance> pods) {
    return Comparator.comparingInt((Instance i) -> rank(phase.apply(i)))
        .thenComparingInt(i -> phase.apply(i) == InstancePhase.Ready ? pods.applyAsInt(i) : 0)
        .thenComparing(
            (Instance i) -> i.launchTime() == null ? Instant.MAX : i.launchTime(),
            Comparator.reverseOrder())
        .thenComparing(Instance::id);
  }

  private static int rank(InstancePhase phase) {
    return switch (phase) {
      case Failed -> 0;
      case Launching, Joining -> 1;
      case Verifying -> 2;
      default -> 3;
    };
  }
}
