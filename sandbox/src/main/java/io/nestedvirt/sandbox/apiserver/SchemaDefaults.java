package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Structural-schema defaulting, as a real API server applies a CRD's {@code default} values when an
 * object is written: a missing field whose schema has a default gets it, inside objects that are
 * present (an absent object is not created to hold defaults). The mock server stores objects as
 * sent, so without this kubectl would show, for example, no capacity type.
 */
final class SchemaDefaults {
  private SchemaDefaults() {}

  static void apply(JsonNode schema, JsonNode value) {
    if (schema == null || value == null) {
      return;
    }
    if (value.isObject()) {
      ObjectNode object = (ObjectNode) value;
      for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
        JsonNode propertySchema = property.getValue();
        JsonNode present = object.get(property.getKey());
        // A null where the schema allows none is dropped and defaulted, as a real server does.
        boolean absent =
            present == null
                || (present.isNull() && !propertySchema.path("nullable").asBoolean(false));
        if (absent && propertySchema.has("default")) {
          object.set(property.getKey(), propertySchema.get("default").deepCopy());
        }
        apply(propertySchema, object.get(property.getKey()));
      }
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        object.forEach(v -> apply(additional, v));
      }
    } else if (value.isArray()) {
      value.forEach(item -> apply(schema.path("items"), item));
    }
  }
}
