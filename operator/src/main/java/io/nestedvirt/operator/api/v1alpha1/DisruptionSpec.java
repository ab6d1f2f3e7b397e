package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.nestedvirt.operator.Durations;
import java.time.Duration;
import java.util.Optional;

/**
 * How the pool replaces nodes that no longer match it (drifted: launched with settings or an image
 * the pool no longer has) or that are too old (expireAfter): a successor first, within a budget,
 * optionally only in a maintenance window. Repair of broken nodes is not held by any of it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.maxSurge + self.maxUnavailable >= 1",
    message =
        "disruption.maxSurge and disruption.maxUnavailable are both 0: nothing could be replaced;"
            + " set maxSurge (extra nodes while rolling) or maxUnavailable (nodes that may be"
            + " missing) to 1 or more")
@ValidationRule(
    value = "has(self.schedule) == has(self.duration)",
    message =
        "disruption.schedule and disruption.duration go together: the window opens when the"
            + " schedule fires and stays open for duration")
public class DisruptionSpec {
  @JsonPropertyDescription(
      "Replace a node once its instance is this old, like 720h (30 days). Unset: never.")
  @Pattern(NestedVirtPoolSpec.DURATION)
  public String expireAfter;

  @JsonPropertyDescription(
      "How many nodes beyond the pool's count may run while replacing: each successor is"
          + " launched first, and the node it replaces is drained only once it is verified and"
          + " Ready.")
  @Default("1")
  @Min(0)
  @Max(100)
  public Integer maxSurge = 1;

  @JsonPropertyDescription(
      "How many of the pool's nodes may be missing (draining, not yet Ready) while replacing."
          + " 0 keeps at least the pool's count of Ready nodes throughout.")
  @Default("0")
  @Min(0)
  @Max(100)
  public Integer maxUnavailable = 0;

  @JsonPropertyDescription(
      "When voluntary replacement (drift, expiry) may start: a cron schedule in UTC (5 fields:"
          + " minute hour day-of-month month day-of-week, or @daily and the like), open for"
          + " duration from each time it fires. Unset: any time.")
  @Size(max = 128)
  @Pattern(SCHEDULE)
  public String schedule;

  @JsonPropertyDescription("How long the window stays open after the schedule fires, like 4h.")
  @Pattern(NestedVirtPoolSpec.DURATION)
  public String duration;

  /**
   * The shape of a schedule: five cron fields, or one of the macros. The pool's CronSchedule reads
   * the values, and its message (SpecValid) says what is wrong with one that has the shape.
   */
  public static final String SCHEDULE =
      "^\\s*(@(yearly|annually|monthly|weekly|daily|midnight|hourly)"
          + "|[0-9A-Za-z*,/-]+(\\s+[0-9A-Za-z*,/-]+){4})\\s*$";

  public DisruptionSpec() {}

  /** The spec's disruption settings, or the defaults when it has none. */
  public static DisruptionSpec of(NestedVirtPoolSpec spec) {
    return spec == null || spec.disruption == null ? new DisruptionSpec() : spec.disruption;
  }

  /** {@code maxSurge}, 1 when unset. */
  public int surge() {
    return maxSurge == null ? 1 : Math.max(0, maxSurge);
  }

  /** {@code maxUnavailable}, 0 when unset. */
  public int unavailable() {
    return maxUnavailable == null ? 0 : Math.max(0, maxUnavailable);
  }

  /** How old a node may get, if the pool sets a limit. */
  public Optional<Duration> expiry() {
    return expireAfter == null ? Optional.empty() : Optional.of(Durations.parse(expireAfter));
  }
}
