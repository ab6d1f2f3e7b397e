package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sandbox's API server checks our kinds as a real one does (CrdValidationE2E holds the real one
 * to the same {@link CrdValidationCases}): a pool the sandbox accepts is one a cluster accepts,
 * with unknown fields pruned and defaults applied, whichever way it is written.
 */
class CrdValidationTest {
  private static final ResourceDefinitionContext POOLS =
      new ResourceDefinitionContext.Builder()
          .withGroup("nestedvirt.io")
          .withVersion("v1alpha1")
          .withPlural("nestedvirtpools")
          .withKind("NestedVirtPool")
          .withNamespaced(false)
          .build();

  private static final EmbeddedApiServer API = EmbeddedApiServer.start();
  private static final KubernetesClient CLIENT = API.client();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @AfterAll
  static void stop() {
    API.close();
  }

  static Stream<CrdValidationCases.Invalid> invalidPools() {
    return CrdValidationCases.INVALID_POOLS.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPools")
  void anInvalidPoolIsRefusedAsARealApiServerRefusesIt(CrdValidationCases.Invalid invalid) {
    String name = "invalid-" + Math.abs(invalid.name().hashCode());
    GenericKubernetesResource pool = CrdValidationCases.pool(name, invalid.spec());
    assertThatThrownBy(() -> CLIENT.genericKubernetesResources(POOLS).resource(pool).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining("NestedVirtPool.nestedvirt.io \"" + name + "\" is invalid: ")
        .hasMessageContaining(invalid.message());
    assertThat(CLIENT.genericKubernetesResources(POOLS).withName(name).get())
        .as("nothing is stored")
        .isNull();
  }

  @Test
  void theStatusBodyNamesTheFieldAsKubectlShowsIt() throws Exception {
    HttpResponse<String> refused =
        post(
            "/apis/nestedvirt.io/v1alpha1/nestedvirtpools",
            """
            {"apiVersion": "nestedvirt.io/v1alpha1", "kind": "NestedVirtPool",
             "metadata": {"name": "x"}, "spec": {"replicas": -1, "instanceTypes": ["m8i.large"]}}
            """);
    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode status = JSON.readTree(refused.body());
    assertThat(status.path("message").asText())
        .isEqualTo(
            "NestedVirtPool.nestedvirt.io \"x\" is invalid: [spec.replicas: Invalid value: -1:"
                + " spec.replicas in body should be greater than or equal to 0, .spec.replicas:"
                + " Invalid value: -1: should be a non-negative integer]");
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.at("/details/kind").asText()).isEqualTo("NestedVirtPool");
    assertThat(status.at("/details/causes/0/field").asText()).isEqualTo("spec.replicas");
    assertThat(status.at("/details/causes/0/reason").asText()).isEqualTo("FieldValueInvalid");
  }

  @Test
  void afterAnUnsupportedValueTheCelRulesAreNotEvaluatedAndTheRefusalSaysSo() {
    GenericKubernetesResource pool =
        CrdValidationCases.pool(
            "blocked", "replicas: 1\ninstanceTypes: [m8i.large]\nworkloads: [gpu, gpu]");
    assertThatThrownBy(() -> CLIENT.genericKubernetesResources(POOLS).resource(pool).create())
        .hasMessageContaining("spec.workloads[0]: Unsupported value: \"gpu\"")
        .hasMessageContaining(
            "<nil>: Invalid value: null: some validation rules were not checked because the"
                + " object was invalid; correct the existing errors to complete validation")
        .hasMessageNotContaining("workloads must not repeat an add-on");
  }

  static Stream<Path> examplePools() throws Exception {
    try (Stream<Path> files = Files.walk(Path.of("..", "deploy", "examples"))) {
      return files
          .filter(f -> f.toString().endsWith(".yaml"))
          // a top-level kind, not a mention (the gitops Application names the kind in
          // ignoreDifferences)
          .filter(f -> read(f).matches("(?s)(.*\\n)?kind: NestedVirtPool\\n.*"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examplePools")
  void theExamplePoolsAreAcceptedWithUnknownFieldsPrunedAndDefaultsApplied(Path file) {
    GenericKubernetesResource pool =
        Serialization.unmarshal(read(file), GenericKubernetesResource.class);
    pool.getMetadata().setName("example-" + file.getFileName().toString().replace(".yaml", ""));
    @SuppressWarnings("unchecked")
    var spec = (Map<String, Object>) pool.getAdditionalProperties().get("spec");
    spec.put("replica", 3); // a typo a real API server drops
    pool.getAdditionalProperties().put("extra", Map.of("x", 1));

    GenericKubernetesResource stored =
        CLIENT.genericKubernetesResources(POOLS).resource(pool).create();

    @SuppressWarnings("unchecked")
    var storedSpec = (Map<String, Object>) stored.getAdditionalProperties().get("spec");
    assertThat(storedSpec).doesNotContainKey("replica");
    assertThat(stored.getAdditionalProperties()).doesNotContainKey("extra");
    assertThat(storedSpec.get("joinTimeout")).isEqualTo("15m");
    assertThat(storedSpec.get("repair"))
        .isEqualTo(Map.of("enabled", true, "notReadyTimeout", "15m"));
    assertThat(storedSpec.get("capacityType")).isEqualTo("on-demand");
  }

  @Test
  void mergeAndJsonPatchesAreCheckedPrunedAndDefaulted() {
    create("patched", "replicas: 1\ninstanceTypes: [m8i.large]");
    var pools = CLIENT.genericKubernetesResources(POOLS).withName("patched");

    assertThatThrownBy(
            () ->
                pools.patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"rootVolume\":{\"sizeGiB\":8}}}"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "spec.rootVolume.sizeGiB in body should be greater than or equal to 20");
    assertThatThrownBy(
            () ->
                pools.patch(
                    PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"add\",\"path\":\"/spec/autoscaling\","
                        + "\"value\":{\"maxReplicas\":3}}]"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.replicas must be absent when spec.autoscaling is set");

    GenericKubernetesResource patched =
        pools.patch(
            PatchContext.of(PatchType.JSON),
            "[{\"op\":\"add\",\"path\":\"/spec/rootVolume\",\"value\":{\"sizeGiB\":30,\"iops\":9}}]");
    assertThat(((Map<?, ?>) patched.getAdditionalProperties().get("spec")).get("rootVolume"))
        .as("iops pruned, the other fields defaulted")
        .isEqualTo(Map.of("sizeGiB", 30, "type", "gp3", "encrypted", true));
  }

  @Test
  void scalingAnAutoscaledPoolIsRefusedByItsCelRule() {
    create("autoscaled", "instanceTypes: [m8i.large]\nautoscaling: {maxReplicas: 3}");
    assertThatThrownBy(
            () ->
                CLIENT
                    .genericKubernetesResources(POOLS)
                    .withName("autoscaled")
                    .subresource("scale")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":2}}"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.replicas must be absent when spec.autoscaling is set");
  }

  @Test
  void theStatusSubresourceChecksAndPrunesTheStatus() throws Exception {
    create("with-status", "replicas: 1\ninstanceTypes: [m8i.large]");
    var pools = CLIENT.genericKubernetesResources(POOLS);
    var pool = pools.withName("with-status");

    GenericKubernetesResource current = pool.get();
    current.getAdditionalProperties().put("status", Map.of("replicas", "three"));
    assertThatThrownBy(() -> pools.resource(current).updateStatus())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining("status.replicas in body must be of type integer");

    GenericKubernetesResource fresh = pool.get();
    fresh.getAdditionalProperties().put("status", Map.of("replicas", 1, "mood", "fine"));
    GenericKubernetesResource written = pools.resource(fresh).updateStatus();
    assertThat(written.getAdditionalProperties().get("status")).isEqualTo(Map.of("replicas", 1));

    HttpResponse<String> patched =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        API.url()
                            + "apis/nestedvirt.io/v1alpha1/nestedvirtpools/with-status/status"))
                .header("Content-Type", "application/merge-patch+json")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString("{\"status\":{\"readyReplicas\":\"x\"}}")));
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(422);
    assertThat(patched.body()).contains("status.readyReplicas in body must be of type integer");
  }

  @Test
  void aMachinesSpecIsImmutable() {
    var machines = CLIENT.resources(NestedVirtInstance.class);
    var machine = new NestedVirtInstance();
    machine.setMetadata(new ObjectMetaBuilder().withName("immutable-abcde").build());
    var spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = "subnet-0123456789abcdef0";
    spec.zone = "us-east-1a";
    spec.capacityType = CapacityType.ON_DEMAND;
    spec.launchSettingsHash = "0123456789abcdef";
    machine.setSpec(spec);
    machines.resource(machine).create();

    assertThatThrownBy(
            () ->
                machines
                    .withName("immutable-abcde")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"instanceType\":\"c8i.large\"}}"))
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining("spec is immutable");
    // The transition rule holds only updates to the spec: labels may change.
    machines
        .withName("immutable-abcde")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
  }

  @Test
  void strictFieldValidationRefusesUnknownFieldsAsKubectlAsks() throws Exception {
    HttpResponse<String> refused =
        post(
            "/apis/nestedvirt.io/v1alpha1/nestedvirtpools?fieldValidation=Strict",
            """
            {"apiVersion": "nestedvirt.io/v1alpha1", "kind": "NestedVirtPool",
             "metadata": {"name": "strict"},
             "spec": {"replicas": 1, "instanceTypes": ["m8i.large"], "replica": 3}}
            """);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body())
        .contains("strict decoding error: unknown field \\\"spec.replica\\\"");
  }

  @Test
  void everyCelRuleOfOurCrdsIsEnforced() {
    for (var crd : EmbeddedApiServer.crds()) {
      JsonNode schema = JSON.valueToTree(crd.getSpec().getVersions().get(0).getSchema());
      long rules =
          schema.findValues("x-kubernetes-validations").stream().mapToInt(JsonNode::size).sum();
      assertThat(rules).isPositive();
      assertThat(
              new CustomResourceAdmission(
                      schema.path("openAPIV3Schema"), crd.getMetadata().getName())
                  .celRules())
          .as(crd.getMetadata().getName())
          .isEqualTo(rules);
    }
  }

  @Test
  void aSchemaKeywordOrCelFunctionThatIsNotEnforcedStopsTheStart() throws Exception {
    JsonNode listType =
        JSON.readTree(
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\","
                + "\"x-kubernetes-list-type\":\"set\",\"items\":{\"type\":\"string\"}}}}");
    assertThatThrownBy(() -> new CustomResourceAdmission(listType, "things.example.com"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("x-kubernetes-list-type")
        .hasMessageContaining("things.example.com.a");
    JsonNode quantity =
        JSON.readTree(
            "{\"type\":\"object\",\"properties\":{\"size\":{\"type\":\"string\","
                + "\"x-kubernetes-validations\":[{\"rule\":\"quantity(self).isInteger()\"}]}}}");
    assertThatThrownBy(() -> new CustomResourceAdmission(quantity, "things.example.com"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("quantity(self).isInteger()");
  }

  private static void create(String name, String spec) {
    CLIENT.genericKubernetesResources(POOLS).resource(CrdValidationCases.pool(name, spec)).create();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(API.url() + path.substring(1)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
