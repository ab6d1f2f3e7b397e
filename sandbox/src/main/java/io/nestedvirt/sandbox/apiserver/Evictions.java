package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The Eviction API ({@code POST /api/v1/namespaces/NS/pods/NAME/eviction}), which fabric8's mock
 * lacks, answered as kube-apiserver answers it for what a drain meets: 404 for a pod that is gone,
 * 409 when the eviction's UID or resourceVersion precondition fails, 429 when the
 * PodDisruptionBudget that covers the pod allows no disruption, 500 when more than one covers it,
 * and otherwise the pod is deleted (a pod with finalizers then stays, terminating) with 201.
 * Terminating and finished pods are let go without asking their budget, as the API server does.
 *
 * <p>No disruption controller runs here: a budget's {@code status.disruptionsAllowed} is what was
 * last written to it (absent counts as 0), and an accepted eviction takes one from it, as the API
 * server does before the controller recomputes it. Tests write the status they need.
 */
final class Evictions {
  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json;

  /** What the API server answers. */
  record Answer(int code, String reason, String message) {}

  Evictions(KubernetesCrudDispatcher crud, ObjectMapper json) {
    this.crud = crud;
    this.json = json;
  }

  Answer evict(String namespace, String name, JsonNode eviction) throws JsonProcessingException {
    String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + name;
    MockResponse got = crud.handleGet(podPath);
    if (got.code() != 200) {
      return new Answer(404, "NotFound", "pods \"" + name + "\" not found");
    }
    JsonNode pod = json.readTree(got.getBody().readUtf8());
    JsonNode preconditions = eviction.at("/deleteOptions/preconditions");
    if (differs(preconditions.path("uid"), pod.at("/metadata/uid"))
        || differs(preconditions.path("resourceVersion"), pod.at("/metadata/resourceVersion"))) {
      return new Answer(
          409,
          "Conflict",
          "Operation cannot be fulfilled on Pod \""
              + name
              + "\": the precondition did not match (uid or resourceVersion)");
    }
    String phase = pod.at("/status/phase").asText("");
    boolean leaving =
        pod.at("/metadata/deletionTimestamp").isTextual()
            || phase.equals("Succeeded")
            || phase.equals("Failed");
    if (!leaving) {
      List<ObjectNode> budgets = covering(namespace, pod);
      if (budgets.size() > 1) {
        return new Answer(
            500,
            "InternalError",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does"
                + " not support.");
      }
      if (budgets.size() == 1) {
        ObjectNode budget = budgets.getFirst();
        int allowed = budget.at("/status/disruptionsAllowed").asInt(0);
        if (allowed < 1) {
          return new Answer(
              429,
              "TooManyRequests",
              "Cannot evict pod as it would violate the pod's disruption budget.");
        }
        ((ObjectNode) budget.with("status")).put("disruptionsAllowed", allowed - 1);
        MockResponse written =
            send(
                HttpMethod.PUT,
                "/apis/policy/v1/namespaces/"
                    + namespace
                    + "/poddisruptionbudgets/"
                    + budget.at("/metadata/name").asText(),
                json.writeValueAsBytes(budget));
        if (written.code() != 200) {
          // A concurrent change to the budget: the caller tries again, as after a 429.
          return new Answer(
              429, "TooManyRequests", "the disruption budget changed; try the eviction again");
        }
      }
    }
    MockResponse deleted = send(HttpMethod.DELETE, podPath, new byte[0]);
    if (deleted.code() / 100 != 2) {
      return new Answer(deleted.code(), "Failure", "deleting the pod failed: " + deleted.code());
    }
    return new Answer(201, "", "");
  }

  /** The namespace's budgets whose selector matches the pod's labels. */
  private List<ObjectNode> covering(String namespace, JsonNode pod) throws JsonProcessingException {
    MockResponse listed =
        crud.handleGet("/apis/policy/v1/namespaces/" + namespace + "/poddisruptionbudgets");
    List<ObjectNode> covering = new ArrayList<>();
    if (listed.code() != 200) {
      return covering;
    }
    JsonNode labels = pod.at("/metadata/labels");
    for (JsonNode budget : json.readTree(listed.getBody().readUtf8()).path("items")) {
      if (matches(budget.at("/spec/selector"), labels)) {
        covering.add((ObjectNode) budget);
      }
    }
    return covering;
  }

  /**
   * Label selector semantics of policy/v1: a missing selector matches nothing, an empty one all.
   */
  static boolean matches(JsonNode selector, JsonNode labels) {
    if (selector.isMissingNode() || selector.isNull()) {
      return false;
    }
    var wanted = selector.path("matchLabels").properties();
    for (var entry : wanted) {
      if (!labels.path(entry.getKey()).asText("\0").equals(entry.getValue().asText())) {
        return false;
      }
    }
    for (JsonNode requirement : selector.path("matchExpressions")) {
      String key = requirement.path("key").asText();
      boolean has = labels.has(key);
      String value = labels.path(key).asText();
      List<String> values = new ArrayList<>();
      requirement.path("values").forEach(v -> values.add(v.asText()));
      boolean ok =
          switch (requirement.path("operator").asText()) {
            case "In" -> has && values.contains(value);
            case "NotIn" -> !has || !values.contains(value);
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean differs(JsonNode asked, JsonNode actual) {
    return asked.isTextual()
        && !asked.asText().isEmpty()
        && !asked.asText().equals(actual.asText());
  }

  private MockResponse send(HttpMethod method, String path, byte[] body) {
    return crud.dispatch(
        new RecordedRequest(
            "HTTP/1.1",
            method,
            path,
            Headers.builder().add("Content-Type", "application/json").build(),
            new Buffer(body)));
  }
}
