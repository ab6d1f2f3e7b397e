package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import io.nestedvirt.sandbox.apiserver.CrdValidationCases;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRD's OpenAPI and CEL rules as the real API server enforces them: each invalid pool is
 * refused with a message that says what to fix, and valid pools are accepted. The invalid pools are
 * {@link CrdValidationCases}, which the sandbox's API server is held to as well.
 */
class CrdValidationE2E {

  private final KubernetesClient admin = E2E.stack().cluster().admin;

  static Stream<CrdValidationCases.Invalid> invalidPools() {
    return CrdValidationCases.INVALID_POOLS.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPools")
  void invalidPoolIsRefusedWithAMessageThatSaysWhatToFix(CrdValidationCases.Invalid invalid) {
    GenericKubernetesResource pool =
        pool("invalid-" + Math.abs(invalid.name().hashCode()), invalid.spec());
    assertThatThrownBy(() -> admin.genericKubernetesResources(E2E.POOLS).resource(pool).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(invalid.message());
  }

  /**
   * The sandbox's API server refuses each invalid pool with the causes the real one gives: the same
   * fields, with the same messages.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPools")
  void theSandboxRefusesEachInvalidPoolAsTheRealApiServerDoes(CrdValidationCases.Invalid invalid) {
    String name = "same-" + Math.abs(invalid.name().hashCode());
    GenericKubernetesResource pool = pool(name, invalid.spec());
    try (EmbeddedApiServer sandbox = EmbeddedApiServer.start()) {
      assertThat(
              causes(
                  () ->
                      sandbox
                          .client()
                          .genericKubernetesResources(E2E.POOLS)
                          .resource(pool)
                          .create()))
          .isEqualTo(
              causes(() -> admin.genericKubernetesResources(E2E.POOLS).resource(pool).create()));
    }
  }

  /** The causes of the 422 that {@code create} gets, as field: message, in order. */
  private static java.util.List<String> causes(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
      return e.getStatus().getDetails().getCauses().stream()
          .map(c -> c.getField() + ": " + c.getMessage())
          .toList();
    }
    throw new AssertionError("created");
  }

  @Test
  void minimalAndCompletePoolsAreAccepted() {
    admin
        .genericKubernetesResources(E2E.POOLS)
        .resource(pool("valid-minimal", "replicas: 0\ninstanceTypes: [m8i.large]"))
        .create();
    GenericKubernetesResource full =
        admin
            .genericKubernetesResources(E2E.POOLS)
            .resource(
                pool(
                    "valid-complete",
                    """
                    replicas: 0
                    instanceTypes: [m8i.2xlarge, c8i-flex.large]
                    capacityType: spot
                    image: resolve:ssm:/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id
                    subnets: {tags: {tier: private, "kubernetes.io/role/internal-elb": "*"}}
                    securityGroups: {ids: [sg-0123456789abcdef0]}
                    instanceProfile: arn:aws:iam::123456789012:instance-profile/nodes
                    rootVolume: {sizeGiB: 200, type: io2, encrypted: true, kmsKeyId: alias/nodes}
                    metadataOptions: {httpTokens: required, httpPutResponseHopLimit: 1}
                    cpuOptions: {coreCount: 4, threadsPerCore: 1}
                    userData: "#!/bin/bash\\necho hello"
                    tags: {team: virt}
                    """))
            .create();
    // Defaults are filled in by the API server from the schema.
    var spec = (java.util.Map<?, ?>) full.getAdditionalProperties().get("spec");
    assertThat(spec.get("capacityType")).isEqualTo("spot");
    var minimal = admin.genericKubernetesResources(E2E.POOLS).withName("valid-minimal").get();
    var minimalSpec = (java.util.Map<?, ?>) minimal.getAdditionalProperties().get("spec");
    assertThat(minimalSpec.get("capacityType")).isEqualTo("on-demand");
    assertThat(minimalSpec.get("repair"))
        .as("repair is on by default, after 15m")
        .isEqualTo(java.util.Map.of("enabled", true, "notReadyTimeout", "15m"));
  }

  @Test
  void anAutoscaledPoolIsAcceptedWithDefaults() {
    admin
        .genericKubernetesResources(E2E.POOLS)
        .resource(
            pool("valid-autoscaled", "instanceTypes: [c8i.large]\nautoscaling: {maxReplicas: 4}"))
        .create();

    var spec =
        (java.util.Map<?, ?>)
            admin
                .genericKubernetesResources(E2E.POOLS)
                .withName("valid-autoscaled")
                .get()
                .getAdditionalProperties()
                .get("spec");
    assertThat(spec.get("replicas")).isNull();
    assertThat(spec.get("autoscaling"))
        .isEqualTo(
            java.util.Map.of(
                "minReplicas", 0, "maxReplicas", 4, "scaleDownAfter", "10m", "weight", 0));
    assertThat(spec.get("workloads")).isEqualTo(java.util.List.of("kubevirt", "kata"));
    // Gone again, so that no later test meets an autoscaled pool it did not make.
    admin.genericKubernetesResources(E2E.POOLS).withName("valid-autoscaled").delete();
  }

  @Test
  void aMachinesSpecIsImmutable() {
    var machines = admin.resources(io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance.class);
    var machine = new io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance();
    machine.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("immutable-abcde")
            .withLabels(java.util.Map.of("nestedvirt.io/pool", "no-such-pool"))
            .build());
    var spec = new io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = "subnet-0123456789abcdef0";
    spec.zone = "us-east-1a";
    spec.capacityType = io.nestedvirt.operator.api.v1alpha1.CapacityType.ON_DEMAND;
    spec.launchSettingsHash = "0123456789abcdef";
    machine.setSpec(spec);
    machines.resource(machine).create();
    try {
      assertThatThrownBy(
              () ->
                  machines
                      .withName("immutable-abcde")
                      .patch(
                          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                              io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                          "{\"spec\":{\"instanceType\":\"c8i.large\"}}"))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
          .hasMessageContaining("spec is immutable")
          .hasMessageContaining("delete the NestedVirtInstance to replace it");
    } finally {
      // Whatever finalizer the operator added goes with the object: nothing was launched for it.
      machines.withName("immutable-abcde").delete();
      try {
        machines
            .withName("immutable-abcde")
            .patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"finalizers\":null}}");
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) { // gone already: it had no finalizer yet
          throw e;
        }
      }
    }
  }

  /**
   * The kubeadm token Secret reference is gone (the operator makes a token per instance): a
   * manifest that still names one is refused by kubectl's strict field validation, not silently
   * pruned.
   */
  @Test
  void aPoolThatStillNamesAKubeadmTokenSecretIsRefusedByKubectl() throws java.io.IOException {
    java.nio.file.Path manifest = java.nio.file.Files.createTempFile("token-secret", ".yaml");
    java.nio.file.Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: old-kubeadm
        spec:
          replicas: 0
          instanceTypes: [m8i.large]
          bootstrap:
            mode: kubeadm
            kubeadm:
              apiServerEndpoint: 10.0.0.10:6443
              tokenSecretName: join-token
              caCertHashes: [sha256:%s]
        """
            .formatted("ab".repeat(32)));
    Tool.Result applied = E2E.stack().cluster().kubectl("apply", "-f", manifest.toString());
    assertThat(applied.code()).as(applied.output()).isNotZero();
    assertThat(applied.output())
        .contains("unknown field \"spec.bootstrap.kubeadm.tokenSecretName\"");
  }

  @Test
  void kubectlExplainDescribesBothKinds() {
    Tool.Result machine =
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(30))
            .until(
                () -> E2E.stack().cluster().kubectl("explain", "nvi.status"), r -> r.code() == 0);
    assertThat(machine.output())
        .contains("KIND:       NestedVirtInstance")
        .contains("nodeName")
        .contains("Pinned once bound");
  }

  @Test
  void kubectlExplainPrintsTheFieldDescriptions() {
    // Discovery can lag a moment behind a newly established CRD.
    Tool.Result result =
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(30))
            .until(() -> E2E.stack().cluster().kubectl("explain", "nvp.spec"), r -> r.code() == 0);
    assertThat(result.output())
        .contains("KIND:       NestedVirtPool")
        .contains("instanceTypes")
        .contains("in order of preference")
        .contains("metadataOptions")
        .contains("IMDSv2 required with hop limit");
  }

  private static GenericKubernetesResource pool(String name, String spec) {
    return CrdValidationCases.pool(name, spec);
  }
}
