package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The binding of a pod to a node ({@code POST /api/v1/namespaces/NS/pods/NAME/binding}, and the
 * older {@code POST /api/v1/namespaces/NS/bindings} naming the pod in the body), which fabric8's
 * mock would store as an object of its own. Answered as kube-apiserver answers it: the pod gets
 * {@code spec.nodeName} and the condition {@code PodScheduled=True}; 404 for a pod that is gone,
 * 409 for one already assigned or being deleted, 400 for a target that is not a Node.
 */
final class Bindings {
  private static final int CONFLICT_RETRIES = 5;

  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json;
  private final Clock clock;

  /** What the API server answers. */
  record Answer(int code, String reason, String message) {}

  Bindings(KubernetesCrudDispatcher crud, ObjectMapper json, Clock clock) {
    this.crud = crud;
    this.json = json;
    this.clock = clock;
  }

  Answer bind(String namespace, String name, JsonNode binding) throws JsonProcessingException {
    JsonNode target = binding.path("target");
    String node = target.path("name").asText("");
    String kind = target.path("kind").asText("Node");
    if (node.isEmpty() || !(kind.isEmpty() || kind.equals("Node"))) {
      return new Answer(400, "BadRequest", "Binding.target must name a Node");
    }
    String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + name;
    for (int attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      MockResponse got = crud.handleGet(podPath);
      if (got.code() != 200) {
        return new Answer(404, "NotFound", "pods \"" + name + "\" not found");
      }
      ObjectNode pod = (ObjectNode) json.readTree(got.getBody().readUtf8());
      if (pod.at("/metadata/deletionTimestamp").isTextual()) {
        return new Answer(
            409, "Conflict", "pod " + name + " is being deleted, cannot be assigned to a host");
      }
      String assigned = pod.at("/spec/nodeName").asText("");
      if (!assigned.isEmpty()) {
        return new Answer(
            409, "Conflict", "pod " + name + " is already assigned to node \"" + assigned + "\"");
      }
      ((ObjectNode) pod.with("spec")).put("nodeName", node);
      scheduled((ObjectNode) pod.with("status"));
      MockResponse written = put(podPath, pod);
      if (written.code() == 409) {
        continue;
      }
      if (written.code() / 100 != 2) {
        return new Answer(written.code(), "Failure", "writing the pod failed: " + written.code());
      }
      return new Answer(201, "", "");
    }
    return new Answer(
        409, "Conflict", "pod " + name + " kept changing while it was being bound; try again");
  }

  /** Replaces the PodScheduled condition with True, as the binding registry does. */
  private void scheduled(ObjectNode status) {
    ArrayNode conditions = json.createArrayNode();
    status
        .path("conditions")
        .forEach(
            c -> {
              if (!"PodScheduled".equals(c.path("type").asText())) {
                conditions.add(c);
              }
            });
    ObjectNode condition = conditions.addObject();
    condition.put("type", "PodScheduled");
    condition.put("status", "True");
    condition.putNull("lastProbeTime");
    condition.put(
        "lastTransitionTime",
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
    status.set("conditions", conditions);
  }

  private MockResponse put(String path, JsonNode object) throws JsonProcessingException {
    return crud.dispatch(
        new RecordedRequest(
            "HTTP/1.1",
            HttpMethod.PUT,
            path,
            Headers.builder().add("Content-Type", "application/json").build(),
            new Buffer(json.writeValueAsBytes(object))));
  }
}
