package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.nestedvirt.operator.Durations;
import java.time.Duration;

/**
 * The pool sizes itself: pending pods that would fit a new node grow it, nodes idle for {@code
 * scaleDownAfter} shrink it, always within {@code [minReplicas, maxReplicas]}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "autoscaling.minReplicas must not be larger than autoscaling.maxReplicas")
public class AutoscalingSpec {
  private static final String DEFAULT_SCALE_DOWN_AFTER = "10m";

  @JsonPropertyDescription("The pool never has fewer nodes than this, even when they are idle.")
  @Default("0")
  @Min(0)
  @Max(1000)
  public Integer minReplicas = 0;

  @JsonPropertyDescription(
      "The pool never has more nodes than this; pending pods beyond it get a NotTriggerScaleUp"
          + " Event.")
  @Required
  @Min(0)
  @Max(1000)
  public Integer maxReplicas;

  @JsonPropertyDescription(
      "How long a node must have run nothing but DaemonSet and mirror pods before it is removed,"
          + " like 10m. Nodes with VMs are never removed for being idle.")
  @Default(DEFAULT_SCALE_DOWN_AFTER)
  @Pattern(NestedVirtPoolSpec.DURATION)
  public String scaleDownAfter = DEFAULT_SCALE_DOWN_AFTER;

  @JsonPropertyDescription(
      "When several autoscaled pools fit a pending pod, the one with the highest weight grows"
          + " (then the first by name).")
  @Default("0")
  @Min(0)
  @Max(100)
  public Integer weight = 0;

  public AutoscalingSpec() {}

  public int min() {
    return minReplicas == null ? 0 : Math.max(0, minReplicas);
  }

  public int max() {
    return maxReplicas == null ? min() : Math.max(min(), maxReplicas);
  }

  public int weightOrZero() {
    return weight == null ? 0 : weight;
  }

  /** {@code scaleDownAfter}, or its default when unset. */
  public Duration idleTimeout() {
    return Durations.parse(scaleDownAfter == null ? DEFAULT_SCALE_DOWN_AFTER : scaleDownAfter);
  }

  /** {@code count} kept within [min, max]. */
  public int clamp(int count) {
    return Math.max(min(), Math.min(max(), count));
  }
}
