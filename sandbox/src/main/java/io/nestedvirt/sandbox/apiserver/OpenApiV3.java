package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAPI v3 for our CRDs (/openapi/v3 and /openapi/v3/apis/GROUP/VERSION), built from their
 * openAPIV3Schemas as a real API server publishes them, so that kubectl explain describes every
 * field. Built-in kinds are not published; explain works for our kinds only.
 */
final class OpenApiV3 {
  private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

  private final ObjectMapper json;
  private final Map<String, ObjectNode> documents = new LinkedHashMap<>();

  OpenApiV3(ObjectMapper json, List<CustomResourceDefinition> crds) {
    this.json = json;
    for (CustomResourceDefinition crd : crds) {
      var spec = crd.getSpec();
      for (CustomResourceDefinitionVersion v : spec.getVersions()) {
        if (Boolean.TRUE.equals(v.getServed()) && v.getSchema() != null) {
          // One document per group version, holding every kind served there.
          ObjectNode doc =
              documents.computeIfAbsent(
                  "apis/" + spec.getGroup() + "/" + v.getName(), path -> emptyDocument());
          addKind(doc, spec.getGroup(), v, spec.getNames().getKind(), spec.getNames().getPlural());
        }
      }
    }
  }

  /** The index: where each group version's document is. */
  ObjectNode index() {
    ObjectNode root = json.createObjectNode();
    ObjectNode paths = root.putObject("paths");
    documents.forEach(
        (path, doc) ->
            paths
                .putObject(path)
                .put(
                    "serverRelativeURL",
                    "/openapi/v3/" + path + "?hash=" + Integer.toHexString(doc.hashCode())));
    return root;
  }

  /** The document for "apis/GROUP/VERSION". */
  Optional<ObjectNode> document(String path) {
    return Optional.ofNullable(documents.get(path));
  }

  private ObjectNode emptyDocument() {
    ObjectNode doc = json.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
    doc.putObject("paths");
    doc.putObject("components").putObject("schemas").set(OBJECT_META, objectMeta());
    return doc;
  }

  private void addKind(
      ObjectNode doc,
      String group,
      CustomResourceDefinitionVersion version,
      String kind,
      String plural) {
    ObjectNode schema = json.valueToTree(version.getSchema().getOpenAPIV3Schema());
    ObjectNode properties = schema.withObjectProperty("properties");
    properties
        .putObject("apiVersion")
        .put("type", "string")
        .put(
            "description",
            "APIVersion defines the versioned schema of this representation of an object.");
    properties
        .putObject("kind")
        .put("type", "string")
        .put(
            "description",
            "Kind is a string value representing the REST resource this object" + " represents.");
    properties
        .putObject("metadata")
        .put("description", "Standard object's metadata.")
        .putArray("allOf")
        .addObject()
        .put("$ref", "#/components/schemas/" + OBJECT_META);
    schema
        .putArray("x-kubernetes-group-version-kind")
        .addObject()
        .put("group", group)
        .put("version", version.getName())
        .put("kind", kind);

    ObjectNode paths = (ObjectNode) doc.get("paths");
    String base = "/apis/" + group + "/" + version.getName() + "/" + plural;
    ObjectNode gvk = json.createObjectNode();
    gvk.put("group", group).put("version", version.getName()).put("kind", kind);
    operation(paths.putObject(base), "post", gvk);
    ObjectNode item = paths.putObject(base + "/{name}");
    operation(item, "put", gvk);
    operation(item, "patch", gvk);
    ((ObjectNode) doc.at("/components/schemas"))
        .set(reverseDomain(group) + "." + version.getName() + "." + kind, schema);
  }

  /**
   * An operation that declares the fieldValidation parameter: kubectl apply and create look for it
   * and otherwise fall back to client-side validation, which needs protobuf OpenAPI v2.
   */
  private void operation(ObjectNode pathItem, String verb, ObjectNode gvk) {
    ObjectNode op = pathItem.putObject(verb);
    op.set("x-kubernetes-group-version-kind", gvk);
    ArrayNode parameters = op.putArray("parameters");
    for (String name : new String[] {"dryRun", "fieldManager", "fieldValidation"}) {
      parameters
          .addObject()
          .put("name", name)
          .put("in", "query")
          .putObject("schema")
          .put("type", "string");
    }
    op.putObject("responses").putObject("200").put("description", "OK");
  }

  private ObjectNode objectMeta() {
    ObjectNode meta = json.createObjectNode();
    meta.put(
        "description",
        "ObjectMeta is metadata that all persisted resources must have, which includes all"
            + " objects users must create.");
    meta.put("type", "object");
    ObjectNode p = meta.putObject("properties");
    string(
        p,
        "name",
        "Name must be unique within a namespace (or cluster, for cluster-scoped" + " kinds).");
    string(p, "namespace", "Namespace defines the space within which each name must be unique.");
    string(p, "uid", "UID is the unique in time and space value for this object.");
    string(
        p,
        "resourceVersion",
        "An opaque value that represents the internal version of this" + " object.");
    p.putObject("generation")
        .put("type", "integer")
        .put("format", "int64")
        .put(
            "description",
            "A sequence number representing a specific generation of the desired" + " state.");
    stringMap(p, "labels", "Map of string keys and values for organizing and selecting objects.");
    stringMap(p, "annotations", "Unstructured key value map stored with a resource.");
    p.putObject("finalizers")
        .put("type", "array")
        .put("description", "Must be empty before the object is deleted from the registry.")
        .putObject("items")
        .put("type", "string");
    return meta;
  }

  private static void string(ObjectNode properties, String name, String description) {
    properties.putObject(name).put("type", "string").put("description", description);
  }

  private static void stringMap(ObjectNode properties, String name, String description) {
    properties
        .putObject(name)
        .put("type", "object")
        .put("description", description)
        .putObject("additionalProperties")
        .put("type", "string");
  }

  /** nestedvirt.io becomes io.nestedvirt, as Kubernetes names a CRD's schema. */
  private static String reverseDomain(String group) {
    String[] parts = group.split("\\.");
    StringBuilder out = new StringBuilder();
    for (int i = parts.length - 1; i >= 0; i--) {
      out.append(parts[i]);
      if (i > 0) {
        out.append('.');
      }
    }
    return out.toString();
  }
}
