package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drops the fields a CRD's structural schema does not specify, as a real API server does before it
 * stores a custom resource: a typo such as {@code replica: 3} disappears instead of being kept and
 * ignored. An object marked {@code x-kubernetes-preserve-unknown-fields} keeps its unknown fields.
 */
final class SchemaPruning {
  private SchemaPruning() {}

  /** Kept at the top of every object whatever the schema says; metadata is ObjectMeta's. */
  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  /** Prunes the whole object in place; returns the paths it removed, like {@code spec.foo}. */
  static List<String> pruneObject(JsonNode schema, JsonNode object) {
    List<String> pruned = new ArrayList<>();
    prune(schema, object, "", ROOT_FIELDS, pruned);
    return pruned;
  }

  /** Prunes {@code value} at {@code path} (for example status) in place. */
  static List<String> prune(JsonNode schema, JsonNode value, String path) {
    List<String> pruned = new ArrayList<>();
    prune(schema, value, path, Set.of(), pruned);
    return pruned;
  }

  private static void prune(
      JsonNode schema, JsonNode value, String path, Set<String> kept, List<String> pruned) {
    if (schema == null || value == null) {
      return;
    }
    if (value.isArray()) {
      int i = 0;
      for (JsonNode item : value) {
        prune(schema.get("items"), item, path + "[" + i++ + "]", Set.of(), pruned);
      }
      return;
    }
    if (!value.isObject()) {
      return;
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) value).properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      String child = path.isEmpty() ? key : path + "." + key;
      if (properties.has(key)) {
        prune(properties.get(key), field.getValue(), child, Set.of(), pruned);
      } else if (additional != null) {
        prune(additional, field.getValue(), child, Set.of(), pruned);
      } else if (!preserve && !kept.contains(key)) {
        fields.remove();
        pruned.add(child);
      }
    }
  }
}
