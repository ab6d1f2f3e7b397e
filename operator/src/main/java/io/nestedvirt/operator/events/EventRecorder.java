package io.nestedvirt.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the operator's decisions: each one is a log line, a core/v1 Event on the object it is
 * about, and a count in {@code nestedvirt_events_total}, so the three always agree. Events about
 * cluster-scoped objects live in the "default" namespace, where kubectl describe looks for them. An
 * Event that cannot be written is logged, never fatal: events inform, they do not steer.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final String NAMESPACE = "default";
  private static final String COMPONENT = "nestedvirt-operator";

  private final KubernetesClient client;
  private final Clock clock;
  private final OperatorMetrics metrics;

  public EventRecorder(KubernetesClient client, Clock clock, OperatorMetrics metrics) {
    this.client = client;
    this.clock = clock;
    this.metrics = metrics;
  }

  public void normal(HasMetadata about, EventReason reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, EventReason reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, EventReason reason, String message) {
    String subject = (about instanceof NestedVirtPool ? "pool" : about.getKind()) + " ";
    if ("Warning".equals(type)) {
      log.warn("{}{}: {}", subject, about.getMetadata().getName(), message);
    } else {
      log.info("{}{}: {}", subject, about.getMetadata().getName(), message);
    }
    metrics.eventRecorded(reason.name(), type);
    String now = clock.instant().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                about.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(about.getApiVersion())
                    .withKind(about.getKind())
                    .withName(about.getMetadata().getName())
                    .withUid(about.getMetadata().getUid())
                    .build())
            .withType(type)
            .withReason(reason.name())
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(NAMESPACE).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          about.getMetadata().getName(),
          e.getMessage());
    }
  }
}
