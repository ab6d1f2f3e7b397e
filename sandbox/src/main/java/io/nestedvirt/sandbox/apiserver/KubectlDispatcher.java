package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts in front of fabric8's CRUD mock what kubectl needs and the mock lacks: discovery, /version,
 * OpenAPI v3 for explain, Tables for get, the /scale subresource, RFC 7386 merge patch for our
 * custom resources (kubectl apply), field selectors on events (kubectl describe) and pods (drains),
 * the Eviction API ({@link Evictions}), pod bindings ({@link Bindings}) and the RuntimeClass
 * admission of new pods ({@link RuntimeClassAdmission}). Everything else goes to the mock
 * unchanged, so the operator sees the same server as before.
 */
public final class KubectlDispatcher extends Dispatcher {
  private static final int CONFLICT_RETRIES = 5;

  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json = new ObjectMapper();
  private final Discovery discovery;
  private final OpenApiV3 openApi;
  private final Tables tables;

  /** Replaced whole by {@link #upgrade}, read without a lock by requests. */
  private final List<Custom> customs;

  private final String kubernetesVersion;
  private final Evictions evictions;
  private final Bindings bindings;
  private final RuntimeClassAdmission runtimeClasses;

  /**
   * One custom resource as this dispatcher serves it: its schema (for defaults) and its /scale,
   * from the CRD's storage version.
   */
  private record Custom(
      String group,
      String plural,
      String kind,
      CustomResourceAdmission admission,
      Optional<ScaleSubresource> scale) {
    String resource() {
      return plural + "." + group;
    }
  }

  public KubectlDispatcher(
      KubernetesCrudDispatcher crud,
      List<CustomResourceDefinition> crds,
      String kubernetesVersion) {
    this.crud = crud;
    this.kubernetesVersion = kubernetesVersion;
    this.evictions = new Evictions(crud, json);
    this.bindings = new Bindings(crud, json, Clock.systemUTC());
    this.runtimeClasses = new RuntimeClassAdmission(crud, json);
    List<ApiResource> resources = new ArrayList<>(ApiResource.BUILT_IN);
    Map<String, List<CustomResourceColumnDefinition>> columns = new LinkedHashMap<>();
    List<Custom> served = new ArrayList<>();
    for (CustomResourceDefinition crd : crds) {
      resources.addAll(ApiResource.of(crd));
      String plural = crd.getSpec().getNames().getPlural();
      CustomResourceDefinitionVersion storage =
          crd.getSpec().getVersions().stream()
              .filter(v -> Boolean.TRUE.equals(v.getStorage()))
              .findFirst()
              .orElseThrow();
      columns.put(
          plural,
          storage.getAdditionalPrinterColumns() == null
              ? List.of()
              : storage.getAdditionalPrinterColumns());
      served.add(custom(crd));
    }
    this.customs = new java.util.concurrent.CopyOnWriteArrayList<>(served);
    this.discovery = new Discovery(resources);
    this.openApi = new OpenApiV3(json, crds);
    this.tables = new Tables(json, Clock.systemUTC(), columns);
  }

  private Custom custom(CustomResourceDefinition crd) {
    CustomResourceDefinitionVersion storage =
        crd.getSpec().getVersions().stream()
            .filter(v -> Boolean.TRUE.equals(v.getStorage()))
            .findFirst()
            .orElseThrow();
    var scaleSpec = storage.getSubresources() == null ? null : storage.getSubresources().getScale();
    return new Custom(
        crd.getSpec().getGroup(),
        crd.getSpec().getNames().getPlural(),
        crd.getSpec().getNames().getKind(),
        new CustomResourceAdmission(
            json.valueToTree(storage.getSchema().getOpenAPIV3Schema()),
            crd.getMetadata().getName(),
            scaleSpec == null
                ? null
                : new ScaleFields(
                    scaleSpec.getSpecReplicasPath(),
                    scaleSpec.getStatusReplicasPath(),
                    scaleSpec.getLabelSelectorPath())),
        Optional.ofNullable(scaleSpec)
            .map(
                sc ->
                    new ScaleSubresource(
                        json,
                        sc.getSpecReplicasPath(),
                        sc.getStatusReplicasPath(),
                        sc.getLabelSelectorPath())));
  }

  /**
   * Checks writes of {@code crd}'s kind against its schema from now on, as after a CRD upgrade;
   * discovery, OpenAPI and columns stay those of the CRD served before. For tests that need objects
   * only a newer CRD admits.
   */
  public void upgrade(CustomResourceDefinition crd) {
    Custom upgraded = custom(crd);
    customs.replaceAll(c -> c.resource().equals(upgraded.resource()) ? upgraded : c);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Request r = Request.of(request);
    if (r.contentType() != null && r.contentType().contains("protobuf")) {
      // kubectl create <built-in kind> sends protobuf; the mock cannot decode it and never answers.
      return status(
          415,
          "UnsupportedMediaType",
          "the sandbox's API server (fabric8's mock) reads JSON only; write the object as YAML"
              + " and use kubectl apply -f");
    }
    try {
      return route(r, request).orElseGet(() -> crud.dispatch(request));
    } catch (JsonProcessingException e) {
      return status(400, "BadRequest", "the request body is not valid JSON: " + e.getMessage());
    } catch (RuntimeException e) {
      // Without an answer the client would wait forever; say what broke instead.
      return status(500, "InternalError", "the sandbox's API server failed: " + e);
    }
  }

  private Optional<MockResponse> route(Request r, RecordedRequest raw)
      throws JsonProcessingException {
    List<String> seg = r.segments();
    boolean get = r.method() == HttpMethod.GET;
    if (get && r.path().equals("/version")) {
      return Optional.of(ok(version()));
    }
    if (get && (r.path().equals("/api") || r.path().equals("/apis"))) {
      boolean core = r.path().equals("/api");
      if (Discovery.wantsAggregated(r.accept())) {
        return Optional.of(
            ok(discovery.aggregated(core)).setHeader("Content-Type", Discovery.AGGREGATED_V2));
      }
      return Optional.of(ok(core ? discovery.coreVersions() : discovery.groupList()));
    }
    if (get && seg.size() == 2 && seg.get(0).equals("api")) {
      return discovery.resourceList("", seg.get(1)).map(this::ok);
    }
    if (get && seg.size() == 3 && seg.get(0).equals("apis")) {
      return discovery.resourceList(seg.get(1), seg.get(2)).map(this::ok);
    }
    if (get && r.isWatch() && r.upgrade() == null) {
      // The mock streams watches over WebSocket only (what fabric8 clients use); kubectl watches
      // over a chunked HTTP response, which the mock cannot hold open. 410 Expired makes
      // client-go's informers (kubectl delete --wait) quietly list again, which is polling.
      return Optional.of(
          status(
              410,
              "Expired",
              "the sandbox's API server (fabric8's mock) serves watches over WebSocket only; poll"
                  + " instead, for example: watch kubectl get nvp"));
    }
    if (get && r.path().equals("/openapi/v2")) {
      // Only v3 is published; answering the mock's object list here would make kubectl fail to
      // parse it as protobuf.
      return Optional.of(status(404, "NotFound", "OpenAPI v2 is not served; use v3"));
    }
    if (get && r.path().equals("/openapi/v3")) {
      return Optional.of(ok(openApi.index()));
    }
    if (get && r.path().startsWith("/openapi/v3/")) {
      return Optional.of(
          openApi
              .document(r.path().substring("/openapi/v3/".length()))
              .map(this::ok)
              .orElseGet(() -> status(404, "NotFound", "no OpenAPI document for " + r.path())));
    }
    Custom ours = ours(seg);
    if (ours != null && seg.size() == 6 && seg.get(5).equals("scale")) {
      String objectPath = "/" + String.join("/", seg.subList(0, 5));
      return Optional.of(
          ours.scale().isPresent()
              ? scale(ours, r, objectPath)
              : status(404, "NotFound", ours.resource() + " has no scale subresource"));
    }
    if (ours != null && seg.size() == 4 && r.method() == HttpMethod.POST) {
      return Optional.of(admitted(ours, raw, r, null, false));
    }
    boolean status = seg.size() == 6 && seg.get(5).equals("status");
    if (ours != null && (seg.size() == 5 || status) && r.method() == HttpMethod.PUT) {
      String objectPath = "/" + String.join("/", seg.subList(0, 5));
      return Optional.of(admitted(ours, raw, r, read(objectPath).orElse(null), status));
    }
    if (ours != null
        && (seg.size() == 5 || status)
        && r.method() == HttpMethod.PATCH
        && (r.isMergePatch() || r.isJsonPatch())) {
      JsonNode patch = json.readTree(r.body());
      return Optional.of(
          patch(
              ours,
              r,
              "/" + String.join("/", seg.subList(0, 5)),
              status,
              current ->
                  r.isMergePatch()
                      ? MergePatch.apply(current, patch)
                      : io.fabric8.zjsonpatch.JsonPatch.apply(patch, current)));
    }
    if (get && !r.isWatch() && Tables.wanted(r.accept())) {
      Optional<List<Tables.Column>> columns = tables.columnsFor(resourceOf(seg));
      if (columns.isPresent()) {
        MockResponse stored = crud.dispatch(raw);
        if (stored.code() != 200) {
          return Optional.of(stored);
        }
        JsonNode body = json.readTree(stored.getBody().readUtf8());
        return Optional.of(
            ok(tables.render(columns.get(), body, "Object".equals(r.query("includeObject")))));
      }
    }
    if (get && !r.isWatch() && r.query("fieldSelector") != null) {
      String kind = FILTERED_LISTS.get(resourceOf(seg));
      if (kind != null) {
        return Optional.of(filtered(r, kind));
      }
    }
    if (r.method() == HttpMethod.POST
        && seg.size() == 7
        && seg.get(0).equals("api")
        && seg.get(2).equals("namespaces")
        && seg.get(4).equals("pods")
        && seg.get(6).equals("eviction")) {
      Evictions.Answer answer = evictions.evict(seg.get(3), seg.get(5), json.readTree(r.body()));
      if (answer.code() == 201) {
        return Optional.of(
            ok(Map.of("kind", "Status", "apiVersion", "v1", "status", "Success"))
                .setResponseCode(201));
      }
      return Optional.of(status(answer.code(), answer.reason(), answer.message()));
    }
    if (r.method() == HttpMethod.POST && isCorePodsPath(seg, 7) && seg.get(6).equals("binding")) {
      return Optional.of(bind(seg.get(3), seg.get(5), json.readTree(r.body())));
    }
    if (r.method() == HttpMethod.POST
        && seg.size() == 5
        && seg.get(0).equals("api")
        && seg.get(2).equals("namespaces")
        && seg.get(4).equals("bindings")) {
      JsonNode binding = json.readTree(r.body());
      return Optional.of(bind(seg.get(3), binding.at("/metadata/name").asText(""), binding));
    }
    if (r.method() == HttpMethod.POST && isCorePodsPath(seg, 5)) {
      ObjectNode pod = (ObjectNode) json.readTree(r.body());
      String refused = runtimeClasses.admit(pod);
      if (refused != null) {
        return Optional.of(
            status(
                403,
                "Forbidden",
                "pods \"" + pod.at("/metadata/name").asText("") + "\" is forbidden: " + refused));
      }
      return Optional.of(
          crud.dispatch(
              new RecordedRequest(
                  "HTTP/1.1",
                  raw.method(),
                  raw.getPath(),
                  raw.getHeaders(),
                  new Buffer(json.writeValueAsBytes(pod)))));
    }
    return Optional.empty();
  }

  /** /api/v1/namespaces/NS/pods (size 5) or a path below one pod (size 6 or 7). */
  private static boolean isCorePodsPath(List<String> seg, int size) {
    return seg.size() == size
        && seg.get(0).equals("api")
        && seg.get(2).equals("namespaces")
        && seg.get(4).equals("pods");
  }

  private MockResponse bind(String namespace, String name, JsonNode binding)
      throws JsonProcessingException {
    Bindings.Answer answer = bindings.bind(namespace, name, binding);
    if (answer.code() == 201) {
      return ok(Map.of("kind", "Status", "apiVersion", "v1", "status", "Success"))
          .setResponseCode(201);
    }
    return status(answer.code(), answer.reason(), answer.message());
  }

  /**
   * Our custom resource that a cluster-scoped path /apis/GROUP/VERSION/PLURAL[/NAME[/SUB]] names,
   * or null.
   */
  private Custom ours(List<String> seg) {
    if (seg.size() < 4 || !seg.get(0).equals("apis")) {
      return null;
    }
    return customs.stream()
        .filter(c -> c.group().equals(seg.get(1)) && c.plural().equals(seg.get(3)))
        .findFirst()
        .orElse(null);
  }

  /** The resource plural a collection or object path names: /api/v1/nodes, /apis/g/v/ns/x/p/n. */
  private static String resourceOf(List<String> seg) {
    int start = seg.isEmpty() ? 0 : seg.get(0).equals("api") ? 2 : 3;
    if (seg.size() > start + 1 && seg.get(start).equals("namespaces")) {
      start += 2;
    }
    return seg.size() > start && seg.size() <= start + 2 ? seg.get(start) : "";
  }

  private MockResponse scale(Custom custom, Request r, String objectPath)
      throws JsonProcessingException {
    ScaleSubresource scale = custom.scale().orElseThrow();
    if (r.method() == HttpMethod.GET) {
      return read(objectPath)
          .map(o -> ok(scale.of(o)))
          .orElseGet(() -> notFound(custom, objectPath));
    }
    if (r.method() != HttpMethod.PUT && r.method() != HttpMethod.PATCH) {
      return status(405, "MethodNotAllowed", r.method() + " is not allowed on /scale");
    }
    JsonNode body = json.readTree(r.body());
    for (int attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      Optional<ObjectNode> current = read(objectPath);
      if (current.isEmpty()) {
        return notFound(custom, objectPath);
      }
      JsonNode wanted;
      if (r.method() == HttpMethod.PUT) {
        wanted = body;
      } else if (r.isMergePatch()) {
        wanted = MergePatch.apply(scale.of(current.get()), body);
      } else {
        return status(415, "UnsupportedMediaType", "use a merge patch on /scale");
      }
      JsonNode replicas = wanted.at("/spec/replicas");
      if (!replicas.canConvertToInt() || replicas.asInt() < 0) {
        return status(422, "Invalid", "spec.replicas must be a non-negative integer");
      }
      String asked = wanted.at("/metadata/resourceVersion").asText("");
      String have = current.get().at("/metadata/resourceVersion").asText("");
      if (!asked.isEmpty() && !asked.equals(have)) {
        return conflict(custom, objectPath);
      }
      JsonNode scaled = scale.withReplicas(current.get(), replicas.asInt());
      // The CEL rules see the new count too (replicas and autoscaling exclude each other).
      Optional<MockResponse> refused =
          refusal(custom, r, custom.admission().admit(scaled, current.get()), scaled);
      if (refused.isPresent()) {
        return refused.get();
      }
      MockResponse written = put(objectPath, scaled);
      if (written.code() == 409 && asked.isEmpty()) {
        continue;
      }
      if (written.code() / 100 != 2) {
        return written;
      }
      return ok(scale.of(json.readTree(written.getBody().readUtf8())));
    }
    return conflict(custom, objectPath);
  }

  /**
   * Reads the object, applies the patch (merge or JSON patch), admits the result as a write of the
   * object or of its status, and writes it back with the resourceVersion it was read at, so a
   * concurrent writer (the operator) causes a retry instead of a lost update.
   */
  private MockResponse patch(
      Custom custom,
      Request r,
      String objectPath,
      boolean status,
      java.util.function.UnaryOperator<JsonNode> apply)
      throws JsonProcessingException {
    JsonNode body = json.readTree(r.body());
    boolean pinned = body.isObject() && body.at("/metadata/resourceVersion").isTextual();
    for (int attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      Optional<ObjectNode> current = read(objectPath);
      if (current.isEmpty()) {
        return notFound(custom, objectPath);
      }
      JsonNode patched;
      try {
        patched = apply.apply(current.get());
      } catch (RuntimeException e) {
        return status(422, "Invalid", "the patch cannot be applied: " + e.getMessage());
      }
      if (!patched.isObject()) {
        return status(422, "Invalid", "the patch does not leave an object");
      }
      CustomResourceAdmission.Outcome outcome =
          status
              ? custom.admission().admitStatus(patched, current.get())
              : custom.admission().admit(patched, current.get());
      Optional<MockResponse> refused = refusal(custom, r, outcome, current.get());
      if (refused.isPresent()) {
        return refused.get();
      }
      if (!pinned) {
        ((ObjectNode) patched.get("metadata"))
            .set("resourceVersion", current.get().at("/metadata/resourceVersion"));
      }
      MockResponse written = put(objectPath + (status ? "/status" : ""), patched);
      if (written.code() == 409 && !pinned) {
        continue;
      }
      return warned(written, r, outcome);
    }
    return conflict(custom, objectPath);
  }

  /**
   * The request as sent, pruned, defaulted and validated as the CRD says, handed to the mock; or
   * the real API server's answer to an invalid object.
   */
  private MockResponse admitted(
      Custom custom, RecordedRequest raw, Request r, JsonNode old, boolean status)
      throws JsonProcessingException {
    JsonNode object = json.readTree(r.body());
    if (!object.isObject()) {
      return status(400, "BadRequest", "the request body is not a JSON object");
    }
    CustomResourceAdmission.Outcome outcome =
        status
            ? custom.admission().admitStatus(object, old)
            : custom.admission().admit(object, old);
    Optional<MockResponse> refused = refusal(custom, r, outcome, object);
    if (refused.isPresent()) {
      return refused.get();
    }
    return warned(
        crud.dispatch(
            new RecordedRequest(
                "HTTP/1.1",
                raw.method(),
                raw.getPath(),
                raw.getHeaders(),
                new Buffer(json.writeValueAsBytes(object)))),
        r,
        outcome);
  }

  /**
   * A real API server's answer to an object that breaks its schema (422 Invalid, with a cause per
   * error) or, with fieldValidation=Strict (kubectl's default), that has unknown fields (400).
   */
  private Optional<MockResponse> refusal(
      Custom custom, Request r, CustomResourceAdmission.Outcome outcome, JsonNode object) {
    String name = object.at("/metadata/name").asText("");
    if ("Strict".equals(r.query("fieldValidation")) && !outcome.pruned().isEmpty()) {
      return Optional.of(
          status(
              400,
              "BadRequest",
              custom.kind()
                  + " in version \""
                  + r.segments().get(2)
                  + "\" cannot be handled as a "
                  + custom.kind()
                  + ": strict decoding error: "
                  + String.join(
                      ", ",
                      outcome.pruned().stream().map(p -> "unknown field \"" + p + "\"").toList())));
    }
    if (outcome.admitted()) {
      return Optional.empty();
    }
    List<FieldError> errors = outcome.errors();
    String listed =
        errors.size() == 1
            ? errors.get(0).toString()
            : "[" + String.join(", ", errors.stream().map(FieldError::toString).toList()) + "]";
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put(
        "message",
        custom.kind() + "." + custom.group() + " \"" + name + "\" is invalid: " + listed);
    status.put("reason", "Invalid");
    status.put(
        "details",
        Map.of(
            "name",
            name,
            "group",
            custom.group(),
            "kind",
            custom.kind(),
            "causes",
            errors.stream()
                .map(
                    e ->
                        Map.of(
                            "reason", e.type().reason, "message", e.message(), "field", e.field()))
                .toList()));
    status.put("code", 422);
    return Optional.of(ok(status).setResponseCode(422));
  }

  /** With fieldValidation=Warn, the unknown fields that were dropped, as Warning headers. */
  private static MockResponse warned(
      MockResponse response, Request r, CustomResourceAdmission.Outcome outcome) {
    if ("Warn".equals(r.query("fieldValidation"))) {
      for (String field : outcome.pruned()) {
        response.addHeader("Warning", "299 - \"unknown field \\\"" + field + "\\\"\"");
      }
    }
    return response;
  }

  /**
   * Lists whose field selectors are applied here (the mock understands only metadata.name): events
   * (kubectl describe) and pods ({@code spec.nodeName}, as drains and kubectl drain list a node's
   * pods), with the kind of their list.
   */
  private static final Map<String, String> FILTERED_LISTS =
      Map.of("events", "EventList", "pods", "PodList");

  private MockResponse filtered(Request r, String listKind) throws JsonProcessingException {
    FieldSelector selector = FieldSelector.parse(r.query("fieldSelector"));
    MockResponse all = crud.handleGet(r.path());
    if (all.code() != 200) {
      return all;
    }
    ObjectNode list = (ObjectNode) json.readTree(all.getBody().readUtf8());
    ArrayNode kept = json.createArrayNode();
    list.path("items")
        .forEach(
            item -> {
              if (selector.matches(item)) {
                kept.add(item);
              }
            });
    list.set("items", kept);
    list.put("kind", listKind);
    return ok(list);
  }

  private Optional<ObjectNode> read(String objectPath) throws JsonProcessingException {
    MockResponse response = crud.handleGet(objectPath);
    if (response.code() != 200) {
      return Optional.empty();
    }
    return Optional.of((ObjectNode) json.readTree(response.getBody().readUtf8()));
  }

  private MockResponse put(String objectPath, JsonNode object) throws JsonProcessingException {
    byte[] body = json.writeValueAsBytes(object);
    return crud.dispatch(
        new RecordedRequest(
            "HTTP/1.1",
            HttpMethod.PUT,
            objectPath,
            Headers.builder().add("Content-Type", "application/json").build(),
            new Buffer(body)));
  }

  private Map<String, Object> version() {
    String[] parts = kubernetesVersion.split("\\.");
    return Map.of(
        "major",
        parts[0],
        "minor",
        parts[1],
        "gitVersion",
        "v" + kubernetesVersion + ".0-nestedvirt-sandbox",
        "platform",
        "linux/amd64");
  }

  private MockResponse ok(Object body) {
    try {
      return new MockResponse()
          .setResponseCode(200)
          .setHeader("Content-Type", "application/json")
          .setBody(json.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private MockResponse notFound(Custom custom, String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    return status(404, "NotFound", custom.resource() + " \"" + name + "\" not found");
  }

  private MockResponse conflict(Custom custom, String path) {
    return status(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + custom.resource()
            + " \""
            + path.substring(path.lastIndexOf('/') + 1)
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again");
  }

  private MockResponse status(int code, String reason, String message) {
    Map<String, Object> status = new HashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put("reason", reason);
    status.put("message", message);
    status.put("code", code);
    return ok(status).setResponseCode(code);
  }

  /** The parts of a request this dispatcher routes on. */
  private record Request(
      HttpMethod method,
      String path,
      Map<String, String> query,
      String accept,
      String contentType,
      String upgrade,
      String body) {

    static Request of(RecordedRequest request) {
      String full = request.getPath();
      int q = full.indexOf('?');
      String path = q < 0 ? full : full.substring(0, q);
      Map<String, String> query = new HashMap<>();
      if (q >= 0) {
        for (String pair : full.substring(q + 1).split("&")) {
          int eq = pair.indexOf('=');
          String key = eq < 0 ? pair : pair.substring(0, eq);
          String value = eq < 0 ? "" : pair.substring(eq + 1);
          query.put(
              URLDecoder.decode(key, StandardCharsets.UTF_8),
              URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
      }
      if (path.length() > 1 && path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      return new Request(
          request.method(),
          path,
          query,
          request.getHeader("Accept"),
          request.getHeader("Content-Type"),
          request.getHeader("Upgrade"),
          // getBytes leaves the body in place for the mock; readUtf8 would consume it.
          request.getBody() == null
              ? ""
              : new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
    }

    List<String> segments() {
      return path.equals("/") ? List.of() : List.of(path.substring(1).split("/"));
    }

    String query(String key) {
      return query.get(key);
    }

    boolean isWatch() {
      return "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
    }

    boolean isMergePatch() {
      return contentType != null && contentType.startsWith("application/merge-patch+json");
    }

    boolean isJsonPatch() {
      return contentType != null && contentType.startsWith("application/json-patch+json");
    }
  }
}
