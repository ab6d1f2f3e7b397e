package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a pod tolerates a node's taints, as the scheduler's TaintToleration plugin decides
 * ({@code v1.Toleration.ToleratesTaint}): NoSchedule and NoExecute taints must each be tolerated;
 * PreferNoSchedule only steers the scheduler and never keeps a pod off.
 */
final class Tolerations {
  private Tolerations() {}

  private static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";

  /** Empty when every taint that repels is tolerated; otherwise the first one that is not. */
  static Optional<String> mismatch(PodSpec spec, List<Taint> taints) {
    List<Toleration> tolerations =
        spec.getTolerations() == null ? List.of() : spec.getTolerations();
    for (Taint taint : taints) {
      if (PREFER_NO_SCHEDULE.equals(taint.getEffect())) {
        continue;
      }
      if (tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
        return Optional.of("does not tolerate taint " + describe(taint));
      }
    }
    return Optional.empty();
  }

  /**
   * An empty effect tolerates every effect; an empty key with operator Exists every key; Exists any
   * value; Equal (the default) only the same value, an absent value being the empty one.
   */
  static boolean tolerates(Toleration toleration, Taint taint) {
    if (!empty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (!empty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator = empty(toleration.getOperator()) ? "Equal" : toleration.getOperator();
    return switch (operator) {
      case "Exists" -> true;
      case "Equal" -> Objects.equals(orEmpty(toleration.getValue()), orEmpty(taint.getValue()));
      default -> false;
    };
  }

  static String describe(Taint taint) {
    return taint.getKey()
        + (empty(taint.getValue()) ? "" : "=" + taint.getValue())
        + ":"
        + taint.getEffect();
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
