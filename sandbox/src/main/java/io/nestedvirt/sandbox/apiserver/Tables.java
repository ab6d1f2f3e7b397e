package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Server-side printing (meta.k8s.io/v1 Table), which kubectl get asks for: a real API server
 * renders each CRD's additionalPrinterColumns and its own columns for Nodes. Without it kubectl
 * shows only NAME and AGE.
 */
final class Tables {
  record Column(
      String name, String type, String format, int priority, Function<JsonNode, JsonNode> value) {}

  private final ObjectMapper json;
  private final Clock clock;
  private final Map<String, List<Column>> byPlural;

  /** {@code crdColumns}: each custom resource's printer columns, by its plural. */
  Tables(
      ObjectMapper json,
      Clock clock,
      Map<String, List<CustomResourceColumnDefinition>> crdColumns) {
    this.json = json;
    this.clock = clock;
    Map<String, List<Column>> byPlural = new HashMap<>();
    crdColumns.forEach((plural, columns) -> byPlural.put(plural, columns(columns)));
    byPlural.put("nodes", nodeColumns());
    this.byPlural = Map.copyOf(byPlural);
  }

  private static List<Column> columns(List<CustomResourceColumnDefinition> printerColumns) {
    List<Column> columns = new ArrayList<>();
    for (CustomResourceColumnDefinition c : printerColumns) {
      columns.add(
          new Column(
              c.getName(),
              c.getType(),
              c.getFormat() == null ? "" : c.getFormat(),
              c.getPriority() == null ? 0 : c.getPriority(),
              o -> JsonPath.read(o, c.getJsonPath())));
    }
    return columns;
  }

  Optional<List<Column>> columnsFor(String plural) {
    return Optional.ofNullable(byPlural.get(plural));
  }

  static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  /** A Table of one object or of a List's items; includeObject decides what each row carries. */
  ObjectNode render(List<Column> columns, JsonNode objectOrList, boolean includeObject) {
    ObjectNode table = json.createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    table.set("metadata", objectOrList.path("metadata").deepCopy());
    ((ObjectNode) table.get("metadata")).retain("resourceVersion", "continue");
    ArrayNode definitions = table.putArray("columnDefinitions");
    definitions.add(definition("Name", "string", "name", 0));
    for (Column c : columns) {
      definitions.add(definition(c.name(), c.type(), c.format(), c.priority()));
    }
    ArrayNode rows = table.putArray("rows");
    Instant now = clock.instant();
    Iterable<JsonNode> items =
        objectOrList.has("items") ? objectOrList.get("items") : List.of(objectOrList);
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      for (Column c : columns) {
        cells.add(cell(c, c.value().apply(item), now));
      }
      row.set("object", includeObject ? item : partialMetadata(item));
    }
    return table;
  }

  private ObjectNode definition(String name, String type, String format, int priority) {
    ObjectNode d = json.createObjectNode();
    return d.put("name", name)
        .put("type", type)
        .put("format", format)
        .put("description", "")
        .put("priority", priority);
  }

  private JsonNode cell(Column column, JsonNode value, Instant now) {
    if (value.isMissingNode() || value.isNull()) {
      return json.nullNode();
    }
    if ("date".equals(column.type()) && value.isTextual()) {
      // A real server prints a date column as an age, like kubectl's AGE.
      try {
        return json.getNodeFactory().textNode(Ages.since(Instant.parse(value.asText()), now));
      } catch (java.time.format.DateTimeParseException e) {
        return value;
      }
    }
    // A list or object in a column prints as JSON, as kubectl shows it from a real server.
    return value.isContainerNode() ? json.getNodeFactory().textNode(value.toString()) : value;
  }

  private ObjectNode partialMetadata(JsonNode item) {
    ObjectNode partial = json.createObjectNode();
    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", item.path("metadata").deepCopy());
    return partial;
  }

  private List<Column> nodeColumns() {
    return List.of(
        new Column("Status", "string", "", 0, Tables::nodeStatus),
        new Column("Roles", "string", "", 0, Tables::nodeRoles),
        new Column("Age", "date", "", 0, n -> n.path("metadata").path("creationTimestamp")),
        new Column("Version", "string", "", 0, n -> n.at("/status/nodeInfo/kubeletVersion")),
        new Column(
            "Internal-IP",
            "string",
            "",
            1,
            n -> JsonPath.read(n, ".status.addresses[?(@.type==\"InternalIP\")].address")),
        new Column("OS-Image", "string", "", 1, n -> n.at("/status/nodeInfo/osImage")),
        new Column("Kernel-Version", "string", "", 1, n -> n.at("/status/nodeInfo/kernelVersion")),
        new Column(
            "Container-Runtime",
            "string",
            "",
            1,
            n -> n.at("/status/nodeInfo/containerRuntimeVersion")));
  }

  private static JsonNode nodeStatus(JsonNode node) {
    String ready = JsonPath.read(node, ".status.conditions[?(@.type==\"Ready\")].status").asText();
    String status = "True".equals(ready) ? "Ready" : "NotReady";
    if (node.at("/spec/unschedulable").asBoolean(false)) {
      status += ",SchedulingDisabled";
    }
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(status);
  }

  private static JsonNode nodeRoles(JsonNode node) {
    List<String> roles = new ArrayList<>();
    node.path("metadata")
        .path("labels")
        .fieldNames()
        .forEachRemaining(
            k -> {
              if (k.startsWith("node-role.kubernetes.io/")) {
                roles.add(k.substring("node-role.kubernetes.io/".length()));
              }
            });
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(
        roles.isEmpty() ? "<none>" : String.join(",", roles));
  }
}
