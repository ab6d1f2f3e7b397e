package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a real API server does to a custom resource before storing it, from the CRD's structural
 * schema: prune unknown fields, apply defaults, check the OpenAPI rules and then the CEL rules
 * (which a real server skips after a missing, unsupported, too long or mistyped value, saying so),
 * and, for a kind with /scale, that its replicas are a non-negative integer. A write to /status is
 * checked on the status alone, as the status subresource is.
 */
final class CustomResourceAdmission {
  /** Said by a real API server when a type error kept it from evaluating the CEL rules. */
  static final String CEL_SKIPPED =
      "some validation rules were not checked because the object was invalid; correct the"
          + " existing errors to complete validation";

  private final JsonNode schema;
  private final CelRules cel;

  /** The /scale subresource's fields, or null for a kind without one. */
  private final ScaleFields scale;

  /** The object after pruning and defaulting, the fields pruned, and what is wrong with it. */
  record Outcome(JsonNode object, List<String> pruned, List<FieldError> errors) {
    boolean admitted() {
      return errors.isEmpty();
    }
  }

  /** Throws at once if the schema uses a keyword or a CEL rule that is not enforced here. */
  CustomResourceAdmission(JsonNode schema, String crdName, ScaleFields scale) {
    SchemaKeywords.check(schema, crdName);
    this.schema = schema;
    this.cel = new CelRules(schema, crdName);
    this.scale = scale;
  }

  CustomResourceAdmission(JsonNode schema, String crdName) {
    this(schema, crdName, null);
  }

  /** How many CEL rules the schema has; for tests. */
  int celRules() {
    return cel.count();
  }

  /** A create ({@code old} null) or an update of the whole object; changes {@code object}. */
  Outcome admit(JsonNode object, JsonNode old) {
    List<String> pruned = SchemaPruning.pruneObject(schema, object);
    SchemaDefaults.apply(schema, object);
    List<FieldError> errors = new ArrayList<>();
    ObjectNode checked = ((ObjectNode) object).deepCopy();
    // ObjectMeta, apiVersion and kind are the API machinery's, not the schema's.
    checked.remove(List.of("apiVersion", "kind", "metadata"));
    SchemaValidation.validate(schema, checked, "", errors);
    if (scale != null) {
      scale.checkSpec(checked, errors);
    }
    celUnlessBlocked(schema, checked, old, "", errors);
    return new Outcome(object, pruned, errors);
  }

  /** A write to /status: only the status is pruned, defaulted and checked. */
  Outcome admitStatus(JsonNode object, JsonNode old) {
    JsonNode statusSchema = schema.path("properties").get("status");
    JsonNode status = object.get("status");
    if (statusSchema == null || status == null) {
      return new Outcome(object, List.of(), List.of());
    }
    List<String> pruned = SchemaPruning.prune(statusSchema, status, "status");
    SchemaDefaults.apply(statusSchema, status);
    List<FieldError> errors = new ArrayList<>();
    SchemaValidation.validate(statusSchema, status, "status", errors);
    if (scale != null) {
      scale.checkStatus(object, errors);
    }
    celUnlessBlocked(
        statusSchema, status, old == null ? null : old.get("status"), "status", errors);
    return new Outcome(object, pruned, errors);
  }

  /**
   * The CEL rules, as a real API server evaluates them: not at all once an error blocks them
   * (apiextensions' hasBlockingErr), which it then says.
   */
  private void celUnlessBlocked(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> errors) {
    if (cel.count() == 0) {
      return;
    }
    if (errors.stream().anyMatch(FieldError::blocksCel)) {
      errors.add(FieldError.invalid("<nil>", "null", CEL_SKIPPED));
    } else {
      cel.validate(schema, value, old, path, errors);
    }
  }
}
