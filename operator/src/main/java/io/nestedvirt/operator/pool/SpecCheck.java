package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import java.util.Map;
import java.util.Objects;

/**
 * The spec rules the reconciler cannot work without, checked again in the operator because not
 * every API server enforces the CRD schema (the sandbox's embedded one does not). Pure.
 */
final class SpecCheck {
  private SpecCheck() {}

  /** A message that says what to fix, or null when the spec is usable. */
  static String problem(NestedVirtPoolSpec spec) {
    if (spec == null) {
      return "spec is missing: set spec.replicas (or spec.autoscaling) and spec.instanceTypes";
    }
    String count = countProblem(spec);
    if (count != null) {
      return count;
    }
    if (spec.instanceTypes == null || spec.instanceTypes.isEmpty()) {
      return "spec.instanceTypes is empty: list at least one type, for example m8i.2xlarge";
    }
    for (var field :
        Map.of(
                "joinTimeout",
                String.valueOf(spec.joinTimeout),
                "drainTimeout",
                Objects.requireNonNullElse(
                    spec.drainTimeout, NestedVirtPoolSpec.DEFAULT_DRAIN_TIMEOUT),
                "verificationGracePeriod",
                String.valueOf(spec.verificationGracePeriod),
                "repair.notReadyTimeout",
                String.valueOf(RepairSpec.of(spec).notReadyTimeout),
                "autoscaling.scaleDownAfter",
                spec.autoscaled() ? String.valueOf(spec.autoscaling.scaleDownAfter) : "1s",
                "disruption.expireAfter",
                Objects.requireNonNullElse(DisruptionSpec.of(spec).expireAfter, "1s"))
            .entrySet()) {
      try {
        Durations.parse(field.getValue());
      } catch (IllegalArgumentException e) {
        return "spec." + field.getKey() + ": " + e.getMessage();
      }
    }
    return disruptionProblem(DisruptionSpec.of(spec));
  }

  /** The CRD's rules on spec.disruption, and what its schedule means. */
  private static String disruptionProblem(DisruptionSpec d) {
    if (d.surge() + d.unavailable() < 1) {
      return "spec.disruption.maxSurge and maxUnavailable are both 0: nothing could be replaced;"
          + " set either to 1 or more";
    }
    try {
      DisruptionWindow.of(d.schedule, d.duration);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return null;
  }

  /** The CRD's rules on replicas and autoscaling, for API servers that do not enforce them. */
  private static String countProblem(NestedVirtPoolSpec spec) {
    if (spec.autoscaled() && spec.replicas != null) {
      return "spec.replicas must be absent when spec.autoscaling is set: the operator decides the"
          + " count; remove replicas, or remove autoscaling to fix the count";
    }
    if (spec.autoscaled()) {
      var a = spec.autoscaling;
      if (a.maxReplicas == null
          || a.maxReplicas < 0
          || a.minReplicas != null && a.minReplicas < 0) {
        return "spec.autoscaling needs maxReplicas (0 or more) and minReplicas 0 or more, was "
            + a.minReplicas
            + ".."
            + a.maxReplicas;
      }
      if (a.min() > a.maxReplicas) {
        return "autoscaling.minReplicas must not be larger than autoscaling.maxReplicas";
      }
      return null;
    }
    if (spec.replicas == null || spec.replicas < 0) {
      return "spec.replicas must be 0 or more, was " + spec.replicas;
    }
    return null;
  }
}
