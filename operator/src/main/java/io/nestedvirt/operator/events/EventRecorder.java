package io.nestedvirt.operator.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the operator's decisions: each one is a log line, a core/v1 Event on the object it is
 * about, and a count in {@code nestedvirt_events_total}, so the three always agree. Events about
 * cluster-scoped objects live in the "default" namespace, where kubectl describe looks for them;
 * those about namespaced objects (pending pods) in the object's namespace, as kubectl describe pod
 * expects. An Event that cannot be written is logged, never fatal: events inform, they do not
 * steer.
 *
 * <p>A decision repeated within {@link #AGGREGATION_WINDOW} (the same object, reason and message,
 * such as a launch EC2 keeps refusing) updates its Event's count and last time instead of adding an
 * Event, as Kubernetes' own recorders do, so {@code kubectl describe} shows "x12 over 6m" rather
 * than twelve lines, and the API server does not fill with copies.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final String CLUSTER_SCOPED_NAMESPACE = "default";
  private static final String COMPONENT = "nestedvirt-operator";

  static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);

  /** Events kept for aggregation at most; the oldest go first (memory stays bounded). */
  private static final int MAX_REMEMBERED = 4096;

  private final KubernetesClient client;
  private final Clock clock;
  private final OperatorMetrics metrics;

  /** The Event last written for each (object, reason, message), to update on repeats. */
  private final Map<Key, Written> recent =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Written> eldest) {
              return size() > MAX_REMEMBERED;
            }
          });

  private record Key(String uid, String reason, String message) {}

  private record Written(String namespace, String name, int count, Instant last) {}

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
    String subject =
        (about instanceof NestedVirtPool
                ? "pool"
                : about instanceof NestedVirtInstance ? "machine" : about.getKind())
            + " ";
    if ("Warning".equals(type)) {
      log.warn("{}{}: {}", subject, about.getMetadata().getName(), message);
    } else {
      log.info("{}{}: {}", subject, about.getMetadata().getName(), message);
    }
    metrics.eventRecorded(reason.name(), type);
    Instant now = clock.instant();
    Key key = new Key(about.getMetadata().getUid(), reason.name(), message);
    Written before = recent.get(key);
    try {
      if (before != null
          && before.last().plus(AGGREGATION_WINDOW).isAfter(now)
          && repeated(before, now)) {
        recent.put(key, new Written(before.namespace(), before.name(), before.count() + 1, now));
        return;
      }
      String namespace = namespaceOf(about);
      String name =
          about.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13);
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .resource(event(about, type, reason, message, namespace, name, now))
          .create();
      recent.put(key, new Written(namespace, name, 1, now));
    } catch (KubernetesClientException e) {
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          about.getMetadata().getName(),
          e.getMessage());
    }
  }

  /** Counts a repeat on the Event already written; false if that Event is gone (expired). */
  private boolean repeated(Written before, Instant now) {
    try {
      // A merge patch of two fields. Given the object (only its name matters), fabric8 does not
      // read it first, so RBAC needs "patch" on events but not "get".
      Event named =
          new EventBuilder()
              .withNewMetadata()
              .withName(before.name())
              .withNamespace(before.namespace())
              .endMetadata()
              .build();
      client
          .v1()
          .events()
          .inNamespace(before.namespace())
          .resource(named)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":%d,\"lastTimestamp\":\"%s\"}".formatted(before.count() + 1, now));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** Where an Event about the object lives: its own namespace, or "default" for ours. */
  private static String namespaceOf(HasMetadata about) {
    String namespace = about.getMetadata().getNamespace();
    return namespace == null || namespace.isEmpty() ? CLUSTER_SCOPED_NAMESPACE : namespace;
  }

  private static Event event(
      HasMetadata about,
      String type,
      EventReason reason,
      String message,
      String namespace,
      String name,
      Instant now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion(about.getApiVersion())
                .withKind(about.getKind())
                .withNamespace(about.getMetadata().getNamespace())
                .withName(about.getMetadata().getName())
                .withUid(about.getMetadata().getUid())
                .build())
        .withType(type)
        .withReason(reason.name())
        .withMessage(message)
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
