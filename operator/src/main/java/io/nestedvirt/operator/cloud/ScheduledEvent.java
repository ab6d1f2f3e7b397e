package io.nestedvirt.operator.cloud;

import java.time.Instant;

/**
 * An event the provider scheduled for an instance (EC2: a reboot, maintenance, a retirement, a
 * stop), as DescribeInstanceStatus reports it: the instance goes or is disrupted at {@code
 * notBefore} at the earliest.
 *
 * @param instanceId the instance
 * @param code EC2's event code ({@code instance-retirement}, {@code system-maintenance}, ...)
 * @param description EC2's words; starts with {@code [Completed]} or {@code [Canceled]} once the
 *     event no longer lies ahead
 * @param notBefore the earliest time the event starts
 */
public record ScheduledEvent(
    String instanceId, String code, String description, Instant notBefore) {
  /** Whether the event still lies ahead (EC2 lists completed and canceled events for a while). */
  public boolean pending() {
    return description == null
        || !(description.startsWith("[Completed]") || description.startsWith("[Canceled]"));
  }
}
