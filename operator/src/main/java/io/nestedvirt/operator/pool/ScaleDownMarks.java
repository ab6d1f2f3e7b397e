package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pool controller's scale-down marks ({@link NestedVirtInstance#SCALE_DOWN_ANNOTATION}):
 * written on the machine, and remembered here until the cache shows them, so that a reconcile in
 * between neither chooses another victim in place of one just marked nor counts one just taken back
 * as leaving (either would launch or remove one machine too many).
 */
final class ScaleDownMarks {
  /** "~1" is "/" in a JSON Pointer. */
  private static final String UNMARK =
      "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/"
          + NestedVirtInstance.SCALE_DOWN_ANNOTATION.replace("/", "~1")
          + "\"}]";

  private record Written(boolean marked, Instant at) {}

  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /** Whether the machine is marked, by our latest write if the cache does not show it yet. */
  boolean isMarked(NestedVirtInstance m) {
    Written w = written.get(m.uid());
    if (w == null) {
      return m.isScaleDownVictim();
    }
    if (w.marked() == m.isScaleDownVictim()) {
      written.remove(m.uid(), w); // the cache shows it now
    }
    return w.marked();
  }

  /** Marks the machine as chosen to go: it drains, and is deleted once drained. */
  void mark(KubernetesClient client, NestedVirtInstance m, Instant now) {
    String patch =
        "{\"metadata\":{\"annotations\":{\""
            + NestedVirtInstance.SCALE_DOWN_ANNOTATION
            + "\":\""
            + now
            + "\"}}}";
    client
        .resources(NestedVirtInstance.class)
        .withName(m.name())
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    written.put(m.uid(), new Written(true, now));
  }

  /** Takes the choice back: the machine uncordons its node and serves again. */
  void unmark(KubernetesClient client, NestedVirtInstance m, Instant now) {
    try {
      client
          .resources(NestedVirtInstance.class)
          .withName(m.name())
          .patch(PatchContext.of(PatchType.JSON), UNMARK);
    } catch (KubernetesClientException e) {
      // 422: the annotation is gone already; 404: so is the machine. Neither is marked.
      if (e.getCode() != 422 && e.getCode() != 404) {
        throw e;
      }
    }
    written.put(m.uid(), new Written(false, now));
  }

  /** Forgets writes older than {@code before}: the cache shows a write long before that. */
  void forgetBefore(Instant before) {
    written.values().removeIf(w -> w.at().isBefore(before));
  }
}
