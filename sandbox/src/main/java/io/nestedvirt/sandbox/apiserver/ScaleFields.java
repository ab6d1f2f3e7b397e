package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The checks a real API server adds for a custom resource with a /scale subresource, whatever its
 * schema says: the replicas at the spec path must be a non-negative int64 on every write of the
 * object, and on a write of /status the replicas at the status path too and the label selector a
 * string. Paths are the CRD's, like {@code .spec.replicas}; the errors name them as given.
 */
record ScaleFields(String specReplicas, String statusReplicas, String labelSelector) {

  void checkSpec(JsonNode object, List<FieldError> errors) {
    replicas(object, specReplicas, errors);
  }

  void checkStatus(JsonNode object, List<FieldError> errors) {
    replicas(object, statusReplicas, errors);
    if (labelSelector != null) {
      JsonNode selector = at(object, labelSelector);
      if (selector != null && !selector.isTextual()) {
        errors.add(
            FieldError.invalid(
                labelSelector, "\"\"", accessorError(labelSelector, selector, "string")));
      }
    }
  }

  private static void replicas(JsonNode object, String path, List<FieldError> errors) {
    if (path == null) {
      return;
    }
    JsonNode replicas = at(object, path);
    if (replicas == null) {
      return;
    }
    if (!replicas.isIntegralNumber()) {
      errors.add(FieldError.invalid(path, "0", accessorError(path, replicas, "int64")));
    } else if (replicas.asLong() < 0) {
      errors.add(FieldError.invalid(path, replicas.toString(), "should be a non-negative integer"));
    }
  }

  /** The value at a path like {@code .spec.replicas}, or null where it is absent. */
  private static JsonNode at(JsonNode object, String path) {
    JsonNode value = object;
    for (String field : path.substring(path.startsWith(".") ? 1 : 0).split("\\.")) {
      if (value == null || !value.isObject()) {
        return null;
      }
      value = value.get(field);
    }
    return value == null || value.isNull() ? null : value;
  }

  /** apimachinery's unstructured accessor error, with Go's names for the JSON types. */
  private static String accessorError(String path, JsonNode value, String expected) {
    String goType =
        value.isTextual()
            ? "string"
            : value.isBoolean()
                ? "bool"
                : value.isObject()
                    ? "map[string]interface {}"
                    : value.isArray() ? "[]interface {}" : "float64";
    return path
        + " accessor error: "
        + (value.isTextual() ? value.asText() : value.toString())
        + " is of the type "
        + goType
        + ", expected "
        + expected;
  }
}
