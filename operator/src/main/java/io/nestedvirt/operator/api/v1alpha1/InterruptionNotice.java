package io.nestedvirt.operator.api.v1alpha1;

import io.nestedvirt.operator.Json;
import java.time.Instant;
import java.util.Optional;

/**
 * What EC2 warned about a machine's instance, as the operator keeps it on the machine (in {@link
 * NestedVirtInstance#INTERRUPTION_ANNOTATION}, as JSON): the warning is acted on from there, so it
 * survives the queue message it came in and a restart of the operator.
 *
 * @param kind what EC2 said
 * @param instanceId the instance it is about
 * @param detail EC2's own words, short: the Spot action, the state, the event code and description
 * @param time when EC2 sent it (ISO-8601)
 * @param deadline when EC2 acts (ISO-8601): the Spot reclaim, the scheduled event's start; null
 *     when EC2 names none
 */
public record InterruptionNotice(
    Kind kind, String instanceId, String detail, String time, String deadline) {

  /** What EC2 said, as the reason of the machine's Interrupted condition and of its Event. */
  public enum Kind {
    /** A Spot instance is reclaimed two minutes after the warning. */
    SpotInterruption,
    /** The instance is stopping or terminating (or already did). */
    InstanceStopping,
    /** A retirement, stop, reboot or maintenance is scheduled, days ahead. */
    ScheduledChange,
    /** A Spot instance is at elevated risk of interruption: a warning only. */
    RebalanceRecommendation;

    /** The instance goes within minutes: drain at once, not within the rollout's budget. */
    public boolean urgent() {
      return this == SpotInterruption || this == InstanceStopping;
    }

    /** Whether a notice of this kind replaces a kept notice of kind {@code kept}. */
    public boolean supersedes(Kind kept) {
      return rank() > kept.rank();
    }

    private int rank() {
      return switch (this) {
        case SpotInterruption, InstanceStopping -> 3;
        case ScheduledChange -> 2;
        case RebalanceRecommendation -> 1;
      };
    }
  }

  public static InterruptionNotice of(
      Kind kind, String instanceId, String detail, Instant time, Instant deadline) {
    return new InterruptionNotice(
        kind,
        instanceId,
        detail,
        time == null ? null : time.toString(),
        deadline == null ? null : deadline.toString());
  }

  /** The annotation's value. */
  public String toJson() {
    return Json.of(this);
  }

  /** The notice an annotation holds; empty when it is not one this version can read. */
  public static Optional<InterruptionNotice> parse(String json) {
    try {
      InterruptionNotice n = Json.parse(json, InterruptionNotice.class);
      return n == null || n.kind == null ? Optional.empty() : Optional.of(n);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public Optional<Instant> deadlineTime() {
    return Optional.ofNullable(deadline).map(Instant::parse);
  }
}
