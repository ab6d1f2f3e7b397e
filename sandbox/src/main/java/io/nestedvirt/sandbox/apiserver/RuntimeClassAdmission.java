package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.Map;

/**
 * kube-apiserver's RuntimeClass admission plugin, on the creation of a pod that names a {@code
 * runtimeClassName}: the RuntimeClass's {@code overhead.podFixed} becomes the pod's {@code
 * spec.overhead}, its {@code scheduling.nodeSelector} is merged into the pod's node selector and
 * its {@code scheduling.tolerations} are added to the pod's, so that a scheduler sees what the
 * runtime will cost and where it is installed. A missing RuntimeClass, an overhead that differs
 * from the class's or a node selector that contradicts it rejects the pod (403), as there.
 */
final class RuntimeClassAdmission {
  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json;

  RuntimeClassAdmission(KubernetesCrudDispatcher crud, ObjectMapper json) {
    this.crud = crud;
    this.json = json;
  }

  /** Why the pod is refused, or null after {@code pod} was changed in place as admitted. */
  String admit(ObjectNode pod) throws JsonProcessingException {
    String runtimeClass = pod.at("/spec/runtimeClassName").asText("");
    if (runtimeClass.isEmpty()) {
      return null;
    }
    MockResponse got = crud.handleGet("/apis/node.k8s.io/v1/runtimeclasses/" + runtimeClass);
    if (got.code() != 200) {
      return "pod rejected: RuntimeClass \"" + runtimeClass + "\" not found";
    }
    JsonNode rc = json.readTree(got.getBody().readUtf8());
    ObjectNode spec = (ObjectNode) pod.with("spec");
    JsonNode podFixed = rc.at("/overhead/podFixed");
    if (podFixed.isObject()) {
      JsonNode overhead = spec.path("overhead");
      if (overhead.isObject() && !overhead.equals(podFixed)) {
        return "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
      }
      spec.set("overhead", podFixed.deepCopy());
    }
    JsonNode nodeSelector = rc.at("/scheduling/nodeSelector");
    if (nodeSelector.isObject()) {
      ObjectNode merged = (ObjectNode) spec.with("nodeSelector");
      for (Map.Entry<String, JsonNode> entry : nodeSelector.properties()) {
        JsonNode existing = merged.get(entry.getKey());
        if (existing != null && !existing.asText().equals(entry.getValue().asText())) {
          return "pod rejected: conflict: runtimeClass.scheduling.nodeSelector["
              + entry.getKey()
              + "] = "
              + entry.getValue().asText()
              + "; pod.spec.nodeSelector["
              + entry.getKey()
              + "] = "
              + existing.asText();
        }
        merged.set(entry.getKey(), entry.getValue());
      }
    }
    JsonNode tolerations = rc.at("/scheduling/tolerations");
    if (tolerations.isArray()) {
      ArrayNode merged = (ArrayNode) spec.withArray("tolerations");
      for (JsonNode toleration : tolerations) {
        boolean present = false;
        for (JsonNode have : merged) {
          present |= have.equals(toleration);
        }
        if (!present) {
          merged.add(toleration.deepCopy());
        }
      }
    }
    return null;
  }
}
