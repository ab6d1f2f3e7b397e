package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * The structural-schema keywords the sandbox's API server enforces. A CRD that uses any other is
 * refused when the server starts: a keyword that is silently skipped would let the sandbox accept
 * objects a cluster refuses, which is what its validation exists to prevent.
 */
final class SchemaKeywords {
  private SchemaKeywords() {}

  /** Enforced by {@link SchemaValidation}, {@link SchemaPruning}, {@link SchemaDefaults}, CEL. */
  static final Set<String> HANDLED =
      Set.of(
          "type",
          "properties",
          "additionalProperties",
          "items",
          "required",
          "enum",
          "pattern",
          "format",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "minLength",
          "maxLength",
          "minItems",
          "maxItems",
          "minProperties",
          "maxProperties",
          "nullable",
          "default",
          "x-kubernetes-int-or-string",
          "x-kubernetes-preserve-unknown-fields",
          "x-kubernetes-validations");

  /** Keywords that change nothing an API server checks. */
  static final Set<String> DOCUMENTATION = Set.of("description", "title", "example");

  static final Set<String> TYPES =
      Set.of("object", "array", "string", "integer", "number", "boolean");

  /** The formats {@link SchemaValidation} checks; a real API server checks a few more. */
  static final Set<String> FORMATS = Set.of("int32", "int64", "date-time");

  /** What a rule of x-kubernetes-validations may hold here (no messageExpression, fieldPath). */
  static final Set<String> RULE_KEYS = Set.of("rule", "message");

  /**
   * Throws if {@code schema} or any schema below it uses a keyword, type, format or rule field that
   * is not enforced, naming where.
   */
  static void check(JsonNode schema, String where) {
    for (Map.Entry<String, JsonNode> keyword : schema.properties()) {
      String name = keyword.getKey();
      JsonNode value = keyword.getValue();
      if (!HANDLED.contains(name) && !DOCUMENTATION.contains(name)) {
        throw unhandled(where, "the keyword " + name);
      }
      switch (name) {
        case "type" -> {
          if (!TYPES.contains(value.asText())) {
            throw unhandled(where, "the type " + value);
          }
        }
        case "format" -> {
          if (!FORMATS.contains(value.asText())) {
            throw unhandled(where, "the format " + value);
          }
        }
        case "properties" ->
            value.properties().forEach(p -> check(p.getValue(), where + "." + p.getKey()));
        case "items" -> check(value, where + "[*]");
        case "additionalProperties" -> {
          if (!value.isObject()) {
            throw unhandled(where, "additionalProperties: " + value + " (only a schema)");
          }
          check(value, where + "[*]");
        }
        case "x-kubernetes-validations" ->
            value.forEach(
                rule ->
                    rule.fieldNames()
                        .forEachRemaining(
                            key -> {
                              if (!RULE_KEYS.contains(key)) {
                                throw unhandled(where, "the validation rule field " + key);
                              }
                            }));
        default -> {}
      }
    }
  }

  private static IllegalStateException unhandled(String where, String what) {
    return new IllegalStateException(
        "the sandbox's API server does not enforce "
            + what
            + " (at "
            + where
            + "): enforce it in sandbox/src/main/java/io/nestedvirt/sandbox/apiserver/ or leave"
            + " it out of the CRD");
  }
}
