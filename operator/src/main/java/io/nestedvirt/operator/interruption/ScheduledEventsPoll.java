package io.nestedvirt.operator.interruption;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.ScheduledEvent;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without an interruption queue, EC2's scheduled events (a retirement, a stop, a reboot,
 * maintenance) are read with one DescribeInstanceStatus per refresh for the whole region, and each
 * of the cluster's instances with one is handled as a scheduled change (see {@link Interruptions}):
 * the pool replaces it ahead of the event. Events of instances that are not the cluster's are
 * passed over.
 */
public final class ScheduledEventsPoll {
  private static final Logger log = LoggerFactory.getLogger(ScheduledEventsPoll.class);

  private final CloudProvider cloud;
  private final Interruptions interruptions;
  private final Clock clock;
  private boolean failing;

  public ScheduledEventsPoll(CloudProvider cloud, Interruptions interruptions, Clock clock) {
    this.cloud = cloud;
    this.interruptions = interruptions;
    this.clock = clock;
  }

  /** One look; failures are logged (once per outage) and the next refresh tries again. */
  public void poll() {
    try {
      for (ScheduledEvent event : cloud.scheduledEvents()) {
        Interruptions.Outcome outcome = interruptions.handle(notice(event));
        if (outcome == Interruptions.Outcome.NOTED) {
          log.info(
              "EC2 scheduled {} for {} from {}: the pool replaces its machine ahead of it",
              event.code(),
              event.instanceId(),
              event.notBefore());
        }
      }
      failing = false;
    } catch (CloudException | KubernetesClientException e) {
      if (!failing) {
        log.warn("scheduled events not read ({}); trying again next refresh", e.getMessage());
        failing = true;
      }
    }
  }

  InterruptionNotice notice(ScheduledEvent event) {
    String description = event.description() == null ? "" : ": " + event.description();
    return InterruptionNotice.of(
        InterruptionNotice.Kind.ScheduledChange,
        event.instanceId(),
        event.code() + description,
        clock.instant(),
        event.notBefore());
  }
}
