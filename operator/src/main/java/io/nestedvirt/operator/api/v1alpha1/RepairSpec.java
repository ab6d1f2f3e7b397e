package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** Automatic repair of verified nodes that stop serving (as managed node repair does). */
public class RepairSpec {
  @JsonPropertyDescription(
      "Replace a verified node that has been unhealthy for notReadyTimeout: its Node not Ready,"
          + " its instance stopped outside the operator, or its NestedVirtualizationReady"
          + " heartbeat older than three agent intervals. Never more than 20% of the pool's"
          + " nodes (at least 1) at once: beyond that nothing is replaced and the pool says so."
          + " On by default.")
  @Default("true")
  public Boolean enabled = true;

  @JsonPropertyDescription(
      "How long a verified node must be unhealthy without a break before it is replaced, like"
          + " 15m.")
  @Default("15m")
  @Pattern(NestedVirtPoolSpec.DURATION)
  public String notReadyTimeout = "15m";

  public RepairSpec() {}

  /** The spec's repair settings, or the defaults when it has none. */
  public static RepairSpec of(NestedVirtPoolSpec spec) {
    return spec == null || spec.repair == null ? new RepairSpec() : spec.repair;
  }

  /** Repair is on unless switched off explicitly. */
  public boolean on() {
    return !Boolean.FALSE.equals(enabled);
  }
}
