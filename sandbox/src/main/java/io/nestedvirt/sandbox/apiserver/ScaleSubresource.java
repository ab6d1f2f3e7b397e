package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The /scale subresource of a custom resource (autoscaling/v1 Scale), which kubectl scale and the
 * HorizontalPodAutoscaler use: a view of spec.replicas, status.replicas and status.selector at the
 * paths the CRD names. The mock server has no subresources besides /status.
 */
final class ScaleSubresource {
  private final ObjectMapper json;
  private final String specReplicas;
  private final String statusReplicas;
  private final String selector;

  ScaleSubresource(ObjectMapper json, String specReplicas, String statusReplicas, String selector) {
    this.json = json;
    this.specReplicas = specReplicas;
    this.statusReplicas = statusReplicas;
    this.selector = selector;
  }

  /** The Scale that the object shows. */
  ObjectNode of(JsonNode object) {
    ObjectNode scale = json.createObjectNode();
    scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode meta = scale.putObject("metadata");
    JsonNode m = object.path("metadata");
    for (String key : new String[] {"name", "namespace", "uid", "resourceVersion"}) {
      if (m.hasNonNull(key)) {
        meta.set(key, m.get(key));
      }
    }
    if (m.hasNonNull("creationTimestamp")) {
      meta.set("creationTimestamp", m.get("creationTimestamp"));
    }
    scale.putObject("spec").put("replicas", JsonPath.read(object, specReplicas).asInt(0));
    ObjectNode status = scale.putObject("status");
    status.put("replicas", JsonPath.read(object, statusReplicas).asInt(0));
    JsonNode sel = selector == null ? null : JsonPath.read(object, selector);
    if (sel != null && sel.isTextual()) {
      status.put("selector", sel.asText());
    }
    return scale;
  }

  /** The object with spec replicas set from the Scale, as a real server writes it. */
  ObjectNode withReplicas(JsonNode object, int replicas) {
    ObjectNode copy = object.deepCopy();
    String[] path = specReplicas.substring(1).split("\\.");
    ObjectNode node = copy;
    for (int i = 0; i < path.length - 1; i++) {
      node = node.withObjectProperty(path[i]);
    }
    node.put(path[path.length - 1], replicas);
    return copy;
  }
}
