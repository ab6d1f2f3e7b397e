package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Pure: the record, kept in two annotations on the Node, of which labels and taints the operator
 * applied from the pool's {@code nodeTemplate}. It is what lets a label or taint dropped from the
 * template be removed from the nodes without touching anybody else's: the operator owns what it
 * recorded (as Karpenter does), nothing more.
 *
 * <p>Encodings, both sorted so that an unchanged template never rewrites the node:
 *
 * <ul>
 *   <li>{@value #LABELS}: the label keys, comma-separated ({@code team,tier});
 *   <li>{@value #TAINTS}: the taints as kubectl prints them, comma-separated ({@code
 *       dedicated=virt:NoSchedule,gpu:NoExecute}; {@code key:Effect} when the value is empty).
 *       Neither a taint's key, its value nor its effect can hold {@code ,}, {@code =} or {@code :}
 *       (the key's syntax allows only letters, digits, {@code -_./}), so the encoding is
 *       unambiguous.
 * </ul>
 *
 * An absent annotation means the same as an empty one: nothing recorded. A node an older operator
 * shaped has no record, so nothing is removed from it; the template's current entries are recorded
 * on its next reshape and are the operator's from then on.
 */
public final class AppliedTemplate {
  /** The keys of the template labels the operator applied. */
  public static final String LABELS = "nestedvirt.io/applied-labels";

  /** The template taints the operator applied. */
  public static final String TAINTS = "nestedvirt.io/applied-taints";

  private AppliedTemplate() {}

  /** The label keys recorded on the node; empty when there is no record. */
  public static Set<String> labelKeys(Node node) {
    String value = annotation(node, LABELS);
    Set<String> keys = new TreeSet<>();
    for (String key : value.split(",")) {
      if (!key.isBlank()) {
        keys.add(key.strip());
      }
    }
    return keys;
  }

  /**
   * The taints recorded on the node; empty when there is no record. Malformed entries are skipped.
   */
  public static List<Taint> taints(Node node) {
    String value = annotation(node, TAINTS);
    List<Taint> taints = new ArrayList<>();
    for (String entry : value.split(",")) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        // Somebody edited the record by hand; an entry we cannot read is one we do not own.
        continue;
      }
      String keyValue = entry.substring(0, colon).strip();
      int equals = keyValue.indexOf('=');
      String key = equals < 0 ? keyValue : keyValue.substring(0, equals);
      String taintValue = equals < 0 ? null : keyValue.substring(equals + 1);
      taints.add(
          new TaintBuilder()
              .withKey(key)
              .withValue(taintValue == null || taintValue.isEmpty() ? null : taintValue)
              .withEffect(entry.substring(colon + 1).strip())
              .build());
    }
    return taints;
  }

  /** The value of {@value #LABELS} for these template labels; empty when there are none. */
  public static String encodeLabels(Collection<String> keys) {
    return String.join(",", new TreeSet<>(keys));
  }

  /** The value of {@value #TAINTS} for these template taints; empty when there are none. */
  public static String encodeTaints(Collection<Taint> taints) {
    return taints.stream()
        .map(AppliedTemplate::encode)
        .collect(Collectors.toCollection(TreeSet::new))
        .stream()
        .collect(Collectors.joining(","));
  }

  /** Same key, effect and value (no value and an empty one being the same). */
  public static boolean sameTaint(Taint a, Taint b) {
    return Objects.equals(a.getKey(), b.getKey())
        && Objects.equals(a.getEffect(), b.getEffect())
        && Objects.equals(emptyToNull(a.getValue()), emptyToNull(b.getValue()));
  }

  private static String encode(Taint t) {
    String value = emptyToNull(t.getValue());
    return t.getKey() + (value == null ? "" : "=" + value) + ":" + t.getEffect();
  }

  private static String annotation(Node node, String name) {
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(name);
    return value == null ? "" : value;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
