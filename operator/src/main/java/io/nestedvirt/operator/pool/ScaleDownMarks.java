package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.Json;
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
  /** Removes the scale-down mark ("~1" is "/" in a JSON Pointer). */
  private static final String UNMARK = remove(NestedVirtInstance.SCALE_DOWN_ANNOTATION);

  /** Removes the scale-down mark and the replacement reason. */
  private static final String UNMARK_REPLACED =
      UNMARK.replace("]", "," + remove(NestedVirtInstance.REPLACE_ANNOTATION).substring(1));

  private static String remove(String annotation) {
    return "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/"
        + annotation.replace("/", "~1")
        + "\"}]";
  }

  private record Written(boolean marked, boolean replaced, Instant at) {}

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

  /** Whether the machine is marked to be replaced (see {@link #markReplaced}). */
  boolean isReplaced(NestedVirtInstance m) {
    Written w = written.get(m.uid());
    return w == null ? m.replacedBecause().isPresent() : w.marked() && w.replaced();
  }

  /** Marks the machine as chosen to go: it drains, and is deleted once drained. */
  void mark(KubernetesClient client, NestedVirtInstance m, Instant now) {
    patch(client, m, Map.of(NestedVirtInstance.SCALE_DOWN_ANNOTATION, now.toString()));
    written.put(m.uid(), new Written(true, false, now));
  }

  /** Marks the machine to be replaced: as {@link #mark}, and says why. */
  void markReplaced(KubernetesClient client, NestedVirtInstance m, String why, Instant now) {
    patch(
        client,
        m,
        Map.of(
            NestedVirtInstance.SCALE_DOWN_ANNOTATION,
            now.toString(),
            NestedVirtInstance.REPLACE_ANNOTATION,
            why));
    written.put(m.uid(), new Written(true, true, now));
  }

  private static void patch(
      KubernetesClient client, NestedVirtInstance m, Map<String, String> annotations) {
    String patch = Json.of(Map.of("metadata", Map.of("annotations", annotations)));
    client
        .resources(NestedVirtInstance.class)
        .withName(m.name())
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** Takes the choice back: the machine uncordons its node and serves again. */
  void unmark(KubernetesClient client, NestedVirtInstance m, Instant now) {
    // A merge patch cannot remove a key on every API server we meet (the fabric8 mock keeps it):
    // JSON Patch, which fails (422) when an annotation it removes is absent. So the patch removes
    // the replacement reason only where the machine carries one; if that was already gone, the
    // mark alone is removed.
    String patch = isReplaced(m) ? UNMARK_REPLACED : UNMARK;
    while (patch != null) {
      try {
        client
            .resources(NestedVirtInstance.class)
            .withName(m.name())
            .patch(PatchContext.of(PatchType.JSON), patch);
        patch = null;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 422 && e.getCode() != 404) {
          throw e;
        }
        // 404: the machine is gone; 422 for the mark alone: it is gone already. Neither is
        // marked. 422 for both: the reason was gone, so the mark alone goes.
        patch = e.getCode() == 422 && patch.equals(UNMARK_REPLACED) ? UNMARK : null;
      }
    }
    written.put(m.uid(), new Written(false, false, now));
  }

  /** Forgets writes older than {@code before}: the cache shows a write long before that. */
  void forgetBefore(Instant before) {
    written.values().removeIf(w -> w.at().isBefore(before));
  }
}
