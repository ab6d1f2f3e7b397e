package io.nestedvirt.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * kubeconform's schemas, made offline: from the Kubernetes OpenAPI v2 spec of the version the tier
 * runs (in the Go module cache, see e2e/install.sh) and from CRDs (ours, and KubeVirt's generated
 * ones in kubevirt/crds). Strict, as openapi2jsonschema's strict mode is: an object with declared
 * properties accepts no others, so a misspelt field fails instead of being ignored.
 *
 * <p>Layout for {@code -schema-location DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion
 * }}.json}: kubeconform's Group is the part of apiVersion before the slash, so the core group's
 * directory is "v1". Each kind's file refers into one shared definitions file.
 */
final class KubeconformSchemas {
  static final String LOCATION = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private KubeconformSchemas() {}

  /** Writes the schemas under {@code dir}; returns the -schema-location template. */
  static String write(Path openapi, List<Path> crdFiles, Path dir) throws IOException {
    JsonNode spec = JSON.readTree(openapi.toFile());
    ObjectNode definitions = (ObjectNode) spec.get("definitions").deepCopy();
    // Both are strings or numbers on the wire (ports, quantities like 1 or "1Gi").
    definitions.set("io.k8s.apimachinery.pkg.util.intstr.IntOrString", oneOf("string", "integer"));
    definitions.set("io.k8s.apimachinery.pkg.api.resource.Quantity", oneOf("string", "number"));
    for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext(); ) {
      strict(it.next().getValue());
    }
    ObjectNode shared = JSON.createObjectNode();
    shared.set("definitions", definitions);
    Files.createDirectories(dir);
    Path sharedFile = dir.resolve("_definitions.json");
    JSON.writeValue(sharedFile.toFile(), shared);

    for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> def = it.next();
      JsonNode gvks = def.getValue().get("x-kubernetes-group-version-kind");
      if (gvks == null) {
        continue;
      }
      for (JsonNode gvk : gvks) {
        String group = gvk.get("group").asText();
        String version = gvk.get("version").asText();
        Path file = kindFile(dir, group, gvk.get("kind").asText(), version);
        ObjectNode ref = JSON.createObjectNode();
        ref.put("$ref", "../_definitions.json#/definitions/" + def.getKey());
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), ref);
      }
    }

    for (Path crdFile : crdFiles) {
      writeCrd(crdFile, dir);
    }
    return dir.toAbsolutePath() + "/" + LOCATION;
  }

  private static void writeCrd(Path crdFile, Path dir) throws IOException {
    JsonNode crd = new YAMLMapper().readTree(crdFile.toFile());
    String group = crd.at("/spec/group").asText();
    String kind = crd.at("/spec/names/kind").asText();
    for (JsonNode version : crd.at("/spec/versions")) {
      ObjectNode schema = version.at("/schema/openAPIV3Schema").deepCopy();
      // The API server adds these to every custom resource's schema.
      ObjectNode properties = (ObjectNode) schema.get("properties");
      properties.putObject("apiVersion").put("type", "string");
      properties.putObject("kind").put("type", "string");
      properties
          .putObject("metadata")
          .put(
              "$ref",
              "../_definitions.json#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
      strict(schema);
      Path file = kindFile(dir, group, kind, version.get("name").asText());
      Files.createDirectories(file.getParent());
      JSON.writeValue(file.toFile(), schema);
    }
  }

  private static Path kindFile(Path dir, String group, String kind, String version) {
    return dir.resolve(group.isEmpty() ? version : group)
        .resolve(kind.toLowerCase(Locale.ROOT) + "_" + version + ".json");
  }

  private static ObjectNode oneOf(String... types) {
    ObjectNode node = JSON.createObjectNode();
    ArrayNode alternatives = node.putArray("oneOf");
    for (String type : types) {
      alternatives.addObject().put("type", type);
    }
    return node;
  }

  /** additionalProperties: false wherever properties are declared and nothing else is allowed. */
  private static void strict(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties")
          && !object.has("additionalProperties")
          && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        object.put("additionalProperties", false);
      }
      object.elements().forEachRemaining(KubeconformSchemas::strict);
    } else if (node instanceof ArrayNode array) {
      array.elements().forEachRemaining(KubeconformSchemas::strict);
    }
  }
}
