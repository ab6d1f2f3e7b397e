package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A CRD's {@code x-kubernetes-validations}, evaluated with Google's CEL for Java (cel-java) as a
 * real API server evaluates them with cel-go: each rule where its value is present, with {@code
 * self} the value and, for a transition rule, {@code oldSelf} the stored one (only on an update
 * that had it). Every rule is compiled when the server starts, so a rule that needs a function
 * cel-java lacks (the Kubernetes libraries: quantity(), url(), ...) stops the start, naming it.
 */
final class CelRules {
  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .build();

  private record Rule(
      String text, String message, boolean transition, CelRuntime.Program program) {}

  /** The compiled rules by the schema node that carries them. */
  private final Map<JsonNode, List<Rule>> rules = new IdentityHashMap<>();

  private int count;

  CelRules(JsonNode schema, String where) {
    compile(schema, where);
  }

  /** How many rules the schema has; for tests. */
  int count() {
    return count;
  }

  private void compile(JsonNode schema, String where) {
    List<Rule> here = new ArrayList<>();
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String text = rule.path("rule").asText();
      try {
        here.add(
            new Rule(
                text,
                rule.path("message").asText(""),
                OLD_SELF.matcher(text).find(),
                CEL.createProgram(CEL.compile(text).getAst())));
      } catch (CelValidationException | CelEvaluationException e) {
        throw new IllegalStateException(
            "the sandbox's API server cannot evaluate the rule at "
                + where
                + " with cel-java: "
                + text
                + ": "
                + e.getMessage(),
            e);
      }
    }
    if (!here.isEmpty()) {
      rules.put(schema, List.copyOf(here));
      count += here.size();
    }
    schema
        .path("properties")
        .properties()
        .forEach(p -> compile(p.getValue(), where + "." + p.getKey()));
    if (schema.has("items")) {
      compile(schema.get("items"), where + "[*]");
    }
    if (schema.has("additionalProperties")) {
      compile(schema.get("additionalProperties"), where + "[*]");
    }
  }

  /**
   * Adds to {@code errors} each rule that {@code value} at {@code path} breaks; {@code old} is the
   * stored value at the same place, or null on a create or where an update cannot relate the two
   * (inside lists, which a real API server correlates only for list-type map or set).
   */
  void validate(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> errors) {
    if (schema == null || value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    for (Rule rule : rules.getOrDefault(schema, List.of())) {
      if (rule.transition() && (old == null || old.isMissingNode() || old.isNull())) {
        continue;
      }
      Map<String, Object> variables = new LinkedHashMap<>();
      variables.put("self", CelValues.of(value));
      if (rule.transition()) {
        variables.put("oldSelf", CelValues.of(old));
      }
      String shown = SchemaValidation.quote(SchemaValidation.typeOf(value));
      try {
        Object result = rule.program().eval(variables);
        if (!Boolean.TRUE.equals(result)) {
          errors.add(
              FieldError.invalid(
                  path,
                  shown,
                  rule.message().isEmpty() ? "failed rule: " + rule.text() : rule.message()));
        }
      } catch (CelEvaluationException e) {
        errors.add(
            FieldError.invalid(path, shown, e.getMessage() + " evaluating rule: " + rule.text()));
      }
    }
    if (value.isArray()) {
      int i = 0;
      for (JsonNode item : value) {
        validate(schema.get("items"), item, null, path + "[" + i++ + "]", errors);
      }
    } else if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        String key = field.getKey();
        JsonNode fieldSchema = properties.has(key) ? properties.get(key) : additional;
        JsonNode oldField = old == null || !old.isObject() ? null : old.get(key);
        validate(
            fieldSchema, field.getValue(), oldField, SchemaValidation.child(path, key), errors);
      }
    }
  }
}
