package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The keywords the sandbox's API server enforces that our CRDs do not use yet, each on a small
 * schema, so that a CRD that starts using one is checked as a real API server checks it.
 */
class CustomResourceAdmissionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final CustomResourceAdmission ADMISSION =
      new CustomResourceAdmission(
          read(
              """
              {"type": "object", "properties": {"spec": {"type": "object", "properties": {
                "port": {"x-kubernetes-int-or-string": true},
                "note": {"type": "string", "nullable": true},
                "mode": {"type": "string", "default": "fast"},
                "name": {"type": "string", "minLength": 3},
                "ratio": {"type": "number", "exclusiveMinimum": true, "minimum": 0},
                "since": {"type": "string", "format": "date-time"},
                "labels": {"type": "object", "minProperties": 1, "maxProperties": 2,
                           "additionalProperties": {"type": "string", "maxLength": 3}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                         "properties": {"n": {"type": "integer"}}}
              }}}}
              """),
          "things.example.com");

  @Test
  void aValidObjectKeepsWhatThePreservingSchemaAllowsAndGetsDefaults() {
    JsonNode object =
        read(
            """
            {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
             "spec": {"port": "http", "note": null, "mode": null, "name": "abc", "ratio": 0.5,
                      "since": "2026-11-30T23:00:00Z", "labels": {"a": "b"},
                      "free": {"n": 1, "anything": {"x": 1}}, "typo": 1}}
            """);

    CustomResourceAdmission.Outcome outcome = ADMISSION.admit(object, null);

    assertThat(outcome.errors()).isEmpty();
    assertThat(outcome.pruned()).containsExactly("spec.typo");
    assertThat(object.at("/spec/free/anything/x").asInt()).isEqualTo(1);
    assertThat(object.at("/spec/note").isNull()).as("nullable keeps null").isTrue();
    assertThat(object.at("/spec/mode").asText())
        .as("null without nullable: defaulted")
        .isEqualTo("fast");
    assertThat(object.at("/metadata/name").asText()).isEqualTo("t");
  }

  @Test
  void eachKeywordRefusesWhatItForbids() {
    JsonNode object =
        read(
            """
            {"spec": {"port": true, "name": "ab", "ratio": 0, "since": "yesterday",
                      "labels": {"a": "long", "b": "x", "c": "y"}, "free": {"n": "one"}}}
            """);

    assertThat(ADMISSION.admit(object, null).errors())
        .extracting(FieldError::toString)
        .containsExactlyInAnyOrder(
            "spec.port: Invalid value: \"boolean\": spec.port in body must be of type"
                + " integer,string: \"boolean\"",
            "spec.name: Invalid value: \"ab\": spec.name in body should be at least 3 chars long",
            "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0",
            "spec.since: Invalid value: \"yesterday\": spec.since in body must be of type"
                + " date-time: \"yesterday\"",
            "spec.labels: Too many: 3: must have at most 2 items",
            "spec.labels.a: Too long: may not be more than 3 bytes",
            "spec.free.n: Invalid value: \"string\": spec.free.n in body must be of type integer:"
                + " \"string\"");
    assertThat(ADMISSION.admit(read("{\"spec\": {\"labels\": {}}}"), null).errors())
        .extracting(FieldError::toString)
        .containsExactly(
            "spec.labels: Invalid value: 0: spec.labels in body should have at least 1"
                + " properties");
  }

  @Test
  void aStatusWriteChecksOnlyTheStatus() {
    CustomResourceAdmission admission =
        new CustomResourceAdmission(
            read(
                """
                {"type": "object", "properties": {
                  "spec": {"type": "object", "properties": {"n": {"type": "integer"}}},
                  "status": {"type": "object", "properties": {"ready": {"type": "integer"}}}}}
                """),
            "things.example.com");
    JsonNode object = read("{\"spec\": {\"n\": \"x\"}, \"status\": {\"ready\": 1, \"extra\": 2}}");

    CustomResourceAdmission.Outcome outcome = admission.admitStatus(object, null);

    assertThat(outcome.errors()).isEmpty();
    assertThat(outcome.pruned()).containsExactly("status.extra");
  }

  private static JsonNode read(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
