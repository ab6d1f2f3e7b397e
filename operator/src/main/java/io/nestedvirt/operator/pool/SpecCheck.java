package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
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
      return "spec is missing: set spec.replicas and spec.instanceTypes";
    }
    if (spec.replicas == null || spec.replicas < 0) {
      return "spec.replicas must be 0 or more, was " + spec.replicas;
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
                String.valueOf(RepairSpec.of(spec).notReadyTimeout))
            .entrySet()) {
      try {
        Durations.parse(field.getValue());
      } catch (IllegalArgumentException e) {
        return "spec." + field.getKey() + ": " + e.getMessage();
      }
    }
    return null;
  }
}
