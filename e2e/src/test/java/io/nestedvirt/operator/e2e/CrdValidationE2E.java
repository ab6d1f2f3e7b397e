package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRD's OpenAPI and CEL rules as the real API server enforces them: each invalid pool is
 * refused with a message that says what to fix, and valid pools are accepted.
 */
class CrdValidationE2E {

  private final KubernetesClient admin = E2E.stack().cluster().admin;

  static Stream<Arguments> invalidPools() {
    return Stream.of(
        invalid(
            "neither replicas nor autoscaling",
            "instanceTypes: [m8i.large]",
            "set spec.replicas (a fixed count) or spec.autoscaling (minReplicas and maxReplicas,"
                + " the operator decides the count)"),
        invalid(
            "replicas and autoscaling",
            "replicas: 2\ninstanceTypes: [m8i.large]\nautoscaling: {maxReplicas: 5}",
            "spec.replicas must be absent when spec.autoscaling is set: the operator decides the"
                + " count (see status.desiredReplicas); remove replicas, or remove autoscaling to"
                + " fix the count"),
        invalid(
            "minReplicas above maxReplicas",
            "instanceTypes: [m8i.large]\nautoscaling: {minReplicas: 3, maxReplicas: 2}",
            "autoscaling.minReplicas must not be larger than autoscaling.maxReplicas"),
        invalid(
            "autoscaling without maxReplicas",
            "instanceTypes: [m8i.large]\nautoscaling: {minReplicas: 1}",
            "spec.autoscaling.maxReplicas: Required value"),
        invalid(
            "scaleDownAfter in words",
            "instanceTypes: [m8i.large]\nautoscaling: {maxReplicas: 2, scaleDownAfter: soon}",
            "spec.autoscaling.scaleDownAfter in body should match"),
        invalid(
            "repeated workload",
            "replicas: 1\ninstanceTypes: [m8i.large]\nworkloads: [kata, kata]",
            "workloads must not repeat an add-on"),
        invalid(
            "unknown workload",
            "replicas: 1\ninstanceTypes: [m8i.large]\nworkloads: [gpu]",
            "Unsupported value: \"gpu\""),
        invalid("instanceTypes missing", "replicas: 1", "spec.instanceTypes: Required value"),
        invalid(
            "negative replicas",
            "replicas: -1\ninstanceTypes: [m8i.large]",
            "spec.replicas in body should be greater than or equal to 0"),
        invalid(
            "too many replicas",
            "replicas: 1001\ninstanceTypes: [m8i.large]",
            "spec.replicas in body should be less than or equal to 1000"),
        invalid(
            "replicas not a number",
            "replicas: three\ninstanceTypes: [m8i.large]",
            "spec.replicas in body must be of type integer"),
        invalid(
            "empty type list",
            "replicas: 1\ninstanceTypes: []",
            "spec.instanceTypes in body should have at least 1 items"),
        invalid(
            "repeated type",
            "replicas: 1\ninstanceTypes: [m8i.large, m8i.large]",
            "instanceTypes must not repeat a type"),
        invalid(
            "bare metal type",
            "replicas: 1\ninstanceTypes: [m8i.metal-48xl]",
            "bare-metal types need no nested virtualization"),
        invalid(
            "malformed type",
            "replicas: 1\ninstanceTypes: [M8I_Large]",
            "spec.instanceTypes[0] in body should match"),
        invalid(
            "unknown capacity type",
            "replicas: 1\ninstanceTypes: [m8i.large]\ncapacityType: reserved",
            "Unsupported value: \"reserved\""),
        invalid(
            "image neither AMI nor parameter",
            "replicas: 1\ninstanceTypes: [m8i.large]\nimage: my-favourite-image",
            "spec.image in body should match"),
        invalid(
            "subnets by ids and tags",
            "replicas: 1\ninstanceTypes: [m8i.large]\n"
                + "subnets: {ids: [subnet-0123456789abcdef0], tags: {tier: private}}",
            "give either ids or tags, not both"),
        invalid(
            "malformed subnet id",
            "replicas: 1\ninstanceTypes: [m8i.large]\nsubnets: {ids: [my-subnet]}",
            "spec.subnets.ids[0] in body should match"),
        invalid(
            "root volume too small",
            "replicas: 1\ninstanceTypes: [m8i.large]\nrootVolume: {sizeGiB: 8}",
            "spec.rootVolume.sizeGiB in body should be greater than or equal to 20"),
        invalid(
            "KMS key on an unencrypted volume",
            "replicas: 1\ninstanceTypes: [m8i.large]\n"
                + "rootVolume: {encrypted: false, kmsKeyId: alias/nodes}",
            "kmsKeyId requires encrypted: true"),
        invalid(
            "unknown volume type",
            "replicas: 1\ninstanceTypes: [m8i.large]\nrootVolume: {type: st1}",
            "Unsupported value: \"st1\""),
        invalid(
            "hop limit zero",
            "replicas: 1\ninstanceTypes: [m8i.large]\nmetadataOptions: {httpPutResponseHopLimit: 0}",
            "spec.metadataOptions.httpPutResponseHopLimit in body should be greater than or equal"
                + " to 1"),
        invalid(
            "unknown IMDS token mode",
            "replicas: 1\ninstanceTypes: [m8i.large]\nmetadataOptions: {httpTokens: sometimes}",
            "Unsupported value: \"sometimes\""),
        invalid(
            "three threads per core",
            "replicas: 1\ninstanceTypes: [m8i.large]\ncpuOptions: {threadsPerCore: 3}",
            "spec.cpuOptions.threadsPerCore in body should be less than or equal to 2"),
        invalid(
            "operator-owned tag key",
            "replicas: 1\ninstanceTypes: [m8i.large]\ntags: {nestedvirt.io/pool: other}",
            "tag keys under nestedvirt.io/, kubernetes.io/cluster/ and aws:, and Name, are set by"
                + " the operator"),
        invalid(
            "Name tag",
            "replicas: 1\ninstanceTypes: [m8i.large]\ntags: {Name: mine}",
            "are set by the operator"),
        invalid(
            "user data over 16 KiB",
            "replicas: 1\ninstanceTypes: [m8i.large]\nuserData: " + "x".repeat(16385),
            "spec.userData: Too long: may not be more than 16384"),
        invalid(
            "startup taint in the node template",
            "replicas: 1\ninstanceTypes: [m8i.large]\n"
                + "nodeTemplate: {taints: [{key: nestedvirt.io/unverified, effect: NoSchedule}]}",
            "the taint nestedvirt.io/unverified is the operator's startup taint"),
        invalid(
            "unknown taint effect",
            "replicas: 1\ninstanceTypes: [m8i.large]\n"
                + "nodeTemplate: {taints: [{key: dedicated, effect: Sometimes}]}",
            "Unsupported value: \"Sometimes\""),
        invalid(
            "kubeadm mode without kubeadm settings",
            "replicas: 1\ninstanceTypes: [m8i.large]\nbootstrap: {mode: kubeadm}",
            "mode kubeadm needs bootstrap.kubeadm"),
        invalid(
            "join timeout in words",
            "replicas: 1\ninstanceTypes: [m8i.large]\njoinTimeout: fifteen minutes",
            "spec.joinTimeout in body should match"),
        invalid(
            "repair timeout in words",
            "replicas: 1\ninstanceTypes: [m8i.large]\nrepair: {notReadyTimeout: a while}",
            "spec.repair.notReadyTimeout in body should match"),
        invalid(
            "no surge and no unavailability",
            "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {maxSurge: 0, maxUnavailable: 0}",
            "disruption.maxSurge and disruption.maxUnavailable are both 0: nothing could be"
                + " replaced; set maxSurge (extra nodes while rolling) or maxUnavailable (nodes that"
                + " may be missing) to 1 or more"),
        invalid(
            "window schedule without duration",
            "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {schedule: \"0 2 * * *\"}",
            "disruption.schedule and disruption.duration go together: the window opens when the"
                + " schedule fires and stays open for duration"),
        invalid(
            "window duration without schedule",
            "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {duration: 4h}",
            "disruption.schedule and disruption.duration go together"),
        invalid(
            "window schedule in words",
            "replicas: 1\ninstanceTypes: [m8i.large]\n"
                + "disruption: {schedule: every day, duration: 4h}",
            "spec.disruption.schedule in body should match"),
        invalid(
            "negative surge",
            "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {maxSurge: -1, maxUnavailable: 1}",
            "spec.disruption.maxSurge in body should be greater than or equal to 0"));
  }

  private static Arguments invalid(String name, String spec, String message) {
    return Arguments.of(name, spec, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPools")
  void invalidPoolIsRefusedWithAMessageThatSaysWhatToFix(
      String name, String spec, String expected) {
    GenericKubernetesResource pool = pool("invalid-" + Math.abs(name.hashCode()), spec);
    assertThatThrownBy(() -> admin.genericKubernetesResources(E2E.POOLS).resource(pool).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(expected);
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
    String yaml =
        "apiVersion: nestedvirt.io/v1alpha1\nkind: NestedVirtPool\nmetadata:\n  name: "
            + name
            + "\nspec:\n"
            + spec.lines().map(l -> "  " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
        yaml, GenericKubernetesResource.class);
  }
}
