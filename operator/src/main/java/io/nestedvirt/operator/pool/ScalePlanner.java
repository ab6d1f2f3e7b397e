package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Pure planning of how many instances to add and which to remove. Touches no client. */
public final class ScalePlanner {
  private ScalePlanner() {}

  /** What to do to go from {@code active} instances to {@code desired}. */
  public record ScalePlan(int toLaunch, List<Instance> toTerminate) {
    public boolean isNoop() {
      return toLaunch == 0 && toTerminate.isEmpty();
    }
  }

  /**
   * @param desired the spec's replicas
   * @param active instances that count toward the pool (not shutting down or terminated)
   * @param inFlight instances already being launched (pending launches not yet visible)
   */
  public static ScalePlan plan(int desired, List<Instance> active, int inFlight) {
    int current = active.size() + inFlight;
    if (current < desired) {
      return new ScalePlan(desired - current, List.of());
    }
    int excess = Math.min(active.size(), current - desired);
    if (excess <= 0) {
      return new ScalePlan(0, List.of());
    }
    return new ScalePlan(0, active.stream().sorted(SCALE_DOWN_ORDER).limit(excess).toList());
  }

  /**
   * Which instances go first on scale-down: those not running yet (they serve nothing), then the
   * newest (the oldest have proven themselves), then by id so the choice is stable.
   */
  static final Comparator<Instance> SCALE_DOWN_ORDER =
      Comparator.comparing((Instance i) -> i.state() == InstanceState.RUNNING)
          .thenComparing(
              (Instance i) -> i.launchTime() == null ? Instant.MAX : i.launchTime(),
              Comparator.reverseOrder())
          .thenComparing(Instance::id);
}
