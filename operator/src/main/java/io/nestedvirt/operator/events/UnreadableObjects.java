package io.nestedvirt.operator.events;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nestedvirt.operator.api.v1alpha1.Readable;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools and machines this version cannot read (see {@code TolerantDeserializer}): each is reported
 * once per version of the object (a log line, a Warning Event on it, the gauge {@code
 * nestedvirt_unreadable_objects}) and then left alone, while every other object is reconciled. It
 * is read again, and reconciled as usual, as soon as someone fixes it or a newer operator that
 * knows its fields takes over.
 */
public final class UnreadableObjects {
  private static final Logger log = LoggerFactory.getLogger(UnreadableObjects.class);

  private record Seen(String kind, String resourceVersion) {}

  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Map<String, Seen> byUid = new ConcurrentHashMap<>();

  public UnreadableObjects(EventRecorder events, OperatorMetrics metrics) {
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * Whether to skip {@code object}: true when it could not be read whole, reported the first time
   * each version of it is seen. {@code object} must be the informer's own copy: JOSDK hands the
   * reconciler a clone made through JSON, which has lost the mark.
   */
  public <R extends HasMetadata & Readable> boolean skip(R object) {
    String uid = object.getMetadata().getUid();
    String kind = object.getKind();
    if (object.unreadable().isEmpty()) {
      if (uid != null && byUid.remove(uid) != null) {
        log.info("{} {} can be read again", kind, object.getMetadata().getName());
        count(kind);
      }
      return false;
    }
    String why = object.unreadable().get();
    Seen seen = new Seen(kind, object.getMetadata().getResourceVersion());
    if (!Objects.equals(byUid.put(uid, seen), seen)) {
      String message =
          "this operator version cannot read this "
              + kind
              + " ("
              + why
              + "); it is left as it is until it is fixed or a newer operator runs";
      log.error("{} {}: {}", kind, object.getMetadata().getName(), message);
      events.warning(object, EventReason.Unreadable, message);
      count(kind);
    }
    return true;
  }

  /** The object is gone: it no longer counts. */
  public void forget(HasMetadata object) {
    Seen seen = byUid.remove(object.getMetadata().getUid());
    if (seen != null) {
      count(seen.kind());
    }
  }

  private void count(String kind) {
    metrics.unreadableObjects(
        kind, (int) byUid.values().stream().filter(s -> s.kind().equals(kind)).count());
  }
}
