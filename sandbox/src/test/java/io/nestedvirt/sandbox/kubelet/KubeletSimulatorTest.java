package io.nestedvirt.sandbox.kubelet;

import static io.nestedvirt.sandbox.kubelet.KubeletTestFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import io.nestedvirt.sandbox.ec2.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;

class KubeletSimulatorTest {
  private static final Duration PATIENCE = Duration.ofSeconds(15);
  private static final String SIMULATED = "simulated by the sandbox kubelet";

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-20T10:15:30Z"));
  private EmbeddedApiServer api;
  private KubernetesClient kube;
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client ec2;
  private KubeletSimulator simulator;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    kube = api.client();
    emulator =
        Ec2Emulator.builder()
            .bootDelay(Duration.ZERO)
            .shutdownDelay(Duration.ofMillis(200))
            .tickInterval(Duration.ofMillis(20))
            .start();
    cluster = emulator.seedCluster("demo");
    ec2 =
        Ec2Client.builder()
            .endpointOverride(emulator.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
            .httpClientBuilder(Apache5HttpClient.builder())
            .build();
    simulator =
        new KubeletSimulator(
                kube,
                KubeletSimulator.Settings.defaults()
                    .withRegistrationDelay(Duration.ZERO)
                    .withVerificationDelay(Duration.ofMillis(20))
                    .withRetryInterval(Duration.ofMillis(100))
                    .withClock(clock))
            .attach(emulator);
  }

  @AfterEach
  void stop() {
    simulator.close();
    ec2.close();
    emulator.close();
    api.close();
  }

  // ---- registration ----

  @Test
  void eksInstanceRegistersNodeNamedByPrivateDnsWithProviderIdKubeletLabelsPoolLabelAndTaints() {
    EmulatedInstance instance = launch("m8i.2xlarge", KubeletTestFixtures.eksUserData(), true);

    Node node = awaitNode(instance);

    assertThat(node.getMetadata().getName())
        .as("EKS names nodes by the private DNS name")
        .isEqualTo(instance.privateDnsName())
        .matches("ip-10-0-\\d+-\\d+\\.ec2\\.internal");
    assertThat(node.getSpec().getProviderID())
        .isEqualTo("aws:///" + instance.zone() + "/" + instance.id());
    assertThat(node.getMetadata().getLabels())
        .containsEntry("kubernetes.io/hostname", instance.privateDnsName())
        .containsEntry("kubernetes.io/arch", "amd64")
        .containsEntry("kubernetes.io/os", "linux")
        .containsEntry("node.kubernetes.io/instance-type", "m8i.2xlarge")
        .containsEntry("topology.kubernetes.io/zone", instance.zone())
        .containsEntry("topology.kubernetes.io/region", "us-east-1")
        .as("labels from --node-labels")
        .containsEntry("nestedvirt.io/pool", "kubevirt")
        .containsEntry("workload", "vm")
        .containsEntry("example.com/team", "platform");
    assertThat(node.getSpec().getTaints())
        .as("taints from --register-with-taints, set at creation")
        .containsExactly(
            taint("nestedvirt.io/unverified", null, "NoSchedule"),
            taint("kubevirt.io/dedicated", "true", "NoSchedule"),
            taint("example.com/maintenance", null, "PreferNoSchedule"));
  }

  @Test
  void registeredNodeIsReadyWithAddressesNodeInfoAndCapacityOfItsInstanceType() {
    EmulatedInstance instance = launch("m8i.2xlarge", KubeletTestFixtures.eksUserData(), true);

    Node node = awaitCondition(instance, "Ready", "True");

    assertThat(condition(node, "Ready").getReason()).isEqualTo("KubeletReady");
    assertThat(node.getStatus().getAddresses())
        .extracting(NodeAddress::getType, NodeAddress::getAddress)
        .contains(
            org.assertj.core.groups.Tuple.tuple("InternalIP", instance.privateIpAddress()),
            org.assertj.core.groups.Tuple.tuple("Hostname", instance.privateDnsName()),
            org.assertj.core.groups.Tuple.tuple("InternalDNS", instance.privateDnsName()));
    assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.34.4");
    assertThat(node.getStatus().getNodeInfo().getArchitecture()).isEqualTo("amd64");
    assertThat(node.getStatus().getNodeInfo().getOperatingSystem()).isEqualTo("linux");
    // An EKS AL2023 node, from what the emulator's DescribeInstanceTypes says of m8i.2xlarge: 32
    // GiB less the guest kernel's 6%; 110 pods (4 ENIs x 30 IPv4 would be 118, capped at 110);
    // kube-reserved 90m and 255 + 11 x 110 MiB, and 100 MiB for hard eviction.
    assertThat(node.getStatus().getCapacity())
        .containsEntry("cpu", new Quantity("8"))
        .containsEntry("memory", new Quantity("30801Mi"))
        .containsEntry("pods", new Quantity("110"));
    assertThat(node.getStatus().getAllocatable())
        .containsEntry("cpu", new Quantity("7910m"))
        .containsEntry("memory", new Quantity("29236Mi"))
        .containsEntry("pods", new Quantity("110"));
  }

  @Test
  void kubeadmInstanceRegistersWithJoinConfigurationLabelsAndTaints() {
    storeToken(
        KubeletTestFixtures.JOIN.token(), "0123456789abcdef", clock.instant().plusSeconds(900));
    EmulatedInstance instance =
        launch("c8i.large", KubeletTestFixtures.kubeadmUserData("#cloud-config\n"), true);

    Node node = awaitNode(instance);

    assertThat(node.getMetadata().getLabels())
        .containsEntry("nestedvirt.io/pool", "kubevirt")
        .containsEntry("workload", "vm");
    assertThat(node.getSpec().getTaints())
        .extracting(Taint::getKey)
        .containsExactly(
            "nestedvirt.io/unverified", "kubevirt.io/dedicated", "example.com/maintenance");
  }

  /**
   * kubeadm join gets past the API server only with a live bootstrap token (the authenticator's
   * rules): missing, wrong, expired and not-for-authentication tokens each leave the node out.
   */
  @Test
  void kubeadmInstanceWhoseTokenTheApiServerWouldRefuseNeverRegisters() {
    String token = KubeletTestFixtures.JOIN.token();
    java.util.List<Runnable> refusals =
        java.util.List.of(
            () -> {}, // no Secret at all
            () -> storeToken(token, "ffffffffffffffff", clock.instant().plusSeconds(900)),
            () -> storeToken(token, "0123456789abcdef", clock.instant().minusSeconds(1)));
    for (Runnable refusal : refusals) {
      kube.secrets().inNamespace("kube-system").delete();
      refusal.run();
      EmulatedInstance refused =
          launch("c8i.large", KubeletTestFixtures.kubeadmUserData(null), true);
      EmulatedInstance witness = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);

      awaitCondition(witness, "NestedVirtualizationReady", "True");

      assertThat(kube.nodes().withName(refused.privateDnsName()).get())
          .as("node of a kubeadm instance whose token is refused")
          .isNull();
    }
  }

  private void storeToken(String token, String secret, Instant expires) {
    kube.secrets()
        .inNamespace("kube-system")
        .resource(
            io.nestedvirt.operator.node.bootstrap.BootstrapTokenSecret.build(
                new io.nestedvirt.operator.node.bootstrap.BootstrapToken(
                    token.substring(0, 6), secret),
                "kubevirt-x7k2p",
                "uid-1",
                "kubevirt",
                expires,
                null))
        .create();
  }

  @Test
  void rawInstanceRegistersWithOnlyTheLabelsAKubeletSetsItselfAndNoTaints() {
    EmulatedInstance instance = launch("c8i.large", KubeletTestFixtures.rawUserData(), true);

    Node node = awaitNode(instance);

    Map<String, String> labels = new java.util.HashMap<>(node.getMetadata().getLabels());
    // The add-ons' labels may already be there (it is verified at once).
    labels.keySet().removeAll(SimulatedNodes.ADD_ON_LABELS.keySet());
    assertThat(labels)
        .containsOnlyKeys(
            "kubernetes.io/hostname",
            "kubernetes.io/arch",
            "kubernetes.io/os",
            "node.kubernetes.io/instance-type",
            "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region");
    assertThat(node.getSpec().getTaints()).isEmpty();
  }

  @Test
  void instanceThatNeverRegistersLeavesNoNode() {
    simulator.neverRegisterWhen(i -> "never".equals(i.tags().get("test")));
    EmulatedInstance silent =
        launch("c8i.large", KubeletTestFixtures.eksUserData(), true, Map.of("test", "never"));
    EmulatedInstance witness = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);

    // One scheduler thread, same delay: once the later instance is verified, the earlier one's
    // registration has long been due.
    awaitCondition(witness, "NestedVirtualizationReady", "True");

    assertThat(kube.nodes().withName(silent.privateDnsName()).get())
        .as("node of the instance told never to register")
        .isNull();
    assertThat(kube.nodes().list().getItems()).hasSize(1);
  }

  @Test
  void neverRegisterByInstanceIdWorksWithARegistrationDelay() {
    simulator.close();
    simulator =
        new KubeletSimulator(
                kube,
                KubeletSimulator.Settings.defaults()
                    .withRegistrationDelay(Duration.ofMillis(300))
                    .withVerificationDelay(Duration.ZERO))
            .attach(emulator);
    EmulatedInstance silent = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);
    simulator.neverRegister(silent.id());
    EmulatedInstance witness = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);

    awaitCondition(witness, "NestedVirtualizationReady", "True");

    assertThat(kube.nodes().withName(silent.privateDnsName()).get()).isNull();
  }

  // ---- NestedVirtualizationReady ----

  @Test
  void nestedVirtualizationReadyIsTrueAndSaysItIsSimulated() {
    EmulatedInstance instance = launch("m8i.xlarge", KubeletTestFixtures.eksUserData(), true);

    NodeCondition condition =
        condition(
            awaitCondition(instance, "NestedVirtualizationReady", "True"),
            "NestedVirtualizationReady");

    assertThat(condition.getReason()).isEqualTo("KvmVerified");
    assertThat(condition.getMessage()).contains(SIMULATED).contains("no KVM probe ran");
    assertThat(condition.getLastTransitionTime()).isEqualTo("2026-11-20T10:15:30Z");
    assertThat(condition.getLastHeartbeatTime()).isEqualTo("2026-11-20T10:15:30Z");
  }

  @Test
  void instanceWithoutNestedVirtualizationReportsKvmUnavailable() {
    EmulatedInstance instance = launch("m8i.xlarge", KubeletTestFixtures.eksUserData(), false);

    NodeCondition condition =
        condition(
            awaitCondition(instance, "NestedVirtualizationReady", "False"),
            "NestedVirtualizationReady");

    assertThat(condition.getReason()).isEqualTo("KvmUnavailable");
    assertThat(condition.getMessage())
        .contains("/dev/kvm is absent")
        .contains("without nested virtualization")
        .contains(SIMULATED);
  }

  @Test
  void failingVerificationLaterFlipsTheConditionAndMovesItsLastTransitionTime() {
    EmulatedInstance instance = launch("m8i.xlarge", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(instance, "NestedVirtualizationReady", "True");
    clock.advance(Duration.ofMinutes(3));

    simulator.failVerification(instance.id(), "KVM_CREATE_VM returned EINVAL");

    NodeCondition condition =
        condition(
            awaitCondition(instance, "NestedVirtualizationReady", "False"),
            "NestedVirtualizationReady");
    assertThat(condition.getReason()).isEqualTo("KvmProbeFailed");
    assertThat(condition.getMessage())
        .contains("KVM_CREATE_VM returned EINVAL")
        .contains(SIMULATED);
    assertThat(condition.getLastTransitionTime()).isEqualTo("2026-11-20T10:18:30Z");
  }

  @Test
  void reportingTheSameVerdictAgainKeepsLastTransitionTimeAndMovesTheHeartbeat() {
    EmulatedInstance instance = launch("m8i.xlarge", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(instance, "NestedVirtualizationReady", "True");
    clock.advance(Duration.ofMinutes(1));

    simulator.setVerdict(instance.id(), Verdict.verified());

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              NodeCondition c = condition(node(instance), "NestedVirtualizationReady");
              assertThat(c.getLastHeartbeatTime()).isEqualTo("2026-11-20T10:16:30Z");
              assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-20T10:15:30Z");
            });
  }

  @Test
  void aHeartbeatRenewsKubeletAndAgentConditionsButNotASilencedAgents() {
    EmulatedInstance talking = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    EmulatedInstance silent = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(talking, "NestedVirtualizationReady", "True");
    awaitCondition(silent, "NestedVirtualizationReady", "True");
    simulator.silenceAgent(silent.id());
    clock.advance(Duration.ofMinutes(5));

    simulator.heartbeat();

    for (EmulatedInstance instance : List.of(talking, silent)) {
      NodeCondition ready = condition(node(instance), "Ready");
      assertThat(ready.getLastHeartbeatTime()).isEqualTo("2026-11-20T10:20:30Z");
      assertThat(ready.getLastTransitionTime()).isEqualTo("2026-11-20T10:15:30Z");
    }
    NodeCondition renewed = condition(node(talking), "NestedVirtualizationReady");
    assertThat(renewed.getLastHeartbeatTime()).isEqualTo("2026-11-20T10:20:30Z");
    assertThat(renewed.getLastTransitionTime()).isEqualTo("2026-11-20T10:15:30Z");
    assertThat(condition(node(silent), "NestedVirtualizationReady").getLastHeartbeatTime())
        .as("a silenced agent renews nothing")
        .isEqualTo("2026-11-20T10:15:30Z");
  }

  @Test
  void aLostNodeTurnsReadyUnknownAndPostsNoMoreHeartbeats() {
    EmulatedInstance instance = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(instance, "NestedVirtualizationReady", "True");

    simulator.loseNode(instance.id());

    NodeCondition ready = condition(awaitCondition(instance, "Ready", "Unknown"), "Ready");
    assertThat(ready.getReason()).isEqualTo("NodeStatusUnknown");
    clock.advance(Duration.ofMinutes(5));
    simulator.heartbeat();
    Node after = node(instance);
    assertThat(condition(after, "Ready").getStatus()).isEqualTo("Unknown");
    assertThat(condition(after, "NestedVirtualizationReady").getLastHeartbeatTime())
        .isEqualTo("2026-11-20T10:15:30Z");
  }

  @Test
  void verdictOverriddenBeforeVerificationIsTheFirstOneReported() {
    simulator.verdictPolicy(i -> Verdict.probeFailed("no guest ran on " + i.instanceType()));

    EmulatedInstance instance = launch("r8i.large", KubeletTestFixtures.eksUserData(), true);

    NodeCondition condition =
        condition(
            awaitCondition(instance, "NestedVirtualizationReady", "False"),
            "NestedVirtualizationReady");
    assertThat(condition.getMessage()).contains("no guest ran on r8i.large");
  }

  @Test
  void aTypeTheEc2SourceDescribesOtherwiseOrNotAtAllGetsThoseFiguresOrItsNamesWithDefaultPods() {
    simulator.describeInstanceTypesWith(
        type ->
            type.equals("m8i.xlarge")
                ? Optional.of(new InstanceTypeShape(4, 16384, 4, 15))
                : Optional.empty());
    SimulatedInstance described = observed("i-0feedc0ffee000011", "10.1.0.11", "m8i.xlarge");
    SimulatedInstance unknown = observed("i-0feedc0ffee000012", "10.1.0.12", "m9q.4xlarge");

    Node small = awaitRegistered(described);
    Node guessed = awaitRegistered(unknown);

    assertThat(small.getStatus().getCapacity())
        .as("4 ENIs x 15 IPv4, as described")
        .containsEntry("pods", new Quantity("58"))
        .containsEntry("memory", new Quantity("15400Mi"));
    assertThat(guessed.getStatus().getCapacity())
        .as("vCPUs and memory from the name, the kubelet's default max pods")
        .containsEntry("cpu", new Quantity("16"))
        .containsEntry("memory", new Quantity("61603Mi"))
        .containsEntry("pods", new Quantity("110"));
  }

  private SimulatedInstance observed(String id, String ip, String type) {
    SimulatedInstance instance =
        new SimulatedInstance(
            id,
            "us-east-1a",
            null,
            ip,
            type,
            "x86_64",
            InstanceState.RUNNING,
            KubeletTestFixtures.eksUserData(),
            true,
            0,
            Map.of());
    simulator.observe(instance);
    return instance;
  }

  private Node awaitRegistered(SimulatedInstance instance) {
    return await()
        .atMost(PATIENCE)
        .until(
            () -> kube.nodes().withName(instance.nodeName()).get(),
            n -> n != null && n.getStatus() != null && n.getStatus().getCapacity() != null);
  }

  // ---- add-ons: virt-handler and kata-deploy ----

  @Test
  void aVerifiedNodeGetsKubevirtDevicesThenTheAddOnsLabels() {
    EmulatedInstance instance = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);

    Node node = awaitAddOns(instance);

    assertThat(node.getMetadata().getLabels())
        .containsEntry("kubevirt.io/schedulable", "true")
        .containsEntry("katacontainers.io/kata-runtime", "true")
        .as("the labels of --node-labels stay")
        .containsEntry("nestedvirt.io/pool", "kubevirt");
    for (String device :
        List.of(
            "devices.kubevirt.io/kvm",
            "devices.kubevirt.io/tun",
            "devices.kubevirt.io/vhost-net",
            "devices.kubevirt.io/vhost-vsock")) {
      assertThat(node.getStatus().getCapacity()).containsEntry(device, new Quantity("1000"));
      assertThat(node.getStatus().getAllocatable()).containsEntry(device, new Quantity("1000"));
    }
    assertThat(node.getStatus().getAllocatable())
        .as("the kubelet's own allocatable stays")
        .containsEntry("cpu", new Quantity("1930m"))
        .as("m8i.large: 3 ENIs x 20 IPv4 as the emulator describes it")
        .containsEntry("pods", new Quantity("59"));
    assertThat(node.getSpec().getTaints())
        .as("add-ons write labels and status, never taints")
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");
  }

  @Test
  void aNodeThatFailsVerificationGetsNoAddOns() {
    EmulatedInstance failing = launch("m8i.large", KubeletTestFixtures.eksUserData(), false);
    EmulatedInstance witness = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);

    awaitAddOns(witness);

    Node node = awaitCondition(failing, "NestedVirtualizationReady", "False");
    assertThat(node.getMetadata().getLabels()).doesNotContainKey("kubevirt.io/schedulable");
    assertThat(node.getStatus().getAllocatable()).doesNotContainKey("devices.kubevirt.io/kvm");
  }

  @Test
  void withoutAddOnsAVerifiedNodeKeepsOnlyTheKubeletsResourcesAndLabels() {
    simulator.close();
    simulator =
        new KubeletSimulator(
                kube,
                KubeletSimulator.Settings.defaults()
                    .withRegistrationDelay(Duration.ZERO)
                    .withVerificationDelay(Duration.ZERO)
                    .withAddOns(false))
            .attach(emulator);
    EmulatedInstance instance = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(instance, "NestedVirtualizationReady", "True");
    // Verification of a second node is due after the first's: once it is verified, the first
    // node's add-ons would have started.
    EmulatedInstance witness = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(witness, "NestedVirtualizationReady", "True");

    Node node = node(instance);
    assertThat(node.getMetadata().getLabels()).doesNotContainKey("kubevirt.io/schedulable");
    assertThat(node.getStatus().getAllocatable()).doesNotContainKey("devices.kubevirt.io/kvm");
  }

  @Test
  void aNodeVerifiedByItsAgentGetsTheAddOnsWhenTold() {
    simulator.verdictPolicy(i -> null);
    EmulatedInstance instance = launch("m8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitCondition(instance, "Ready", "True");

    simulator.nodeVerified(instance.id());

    Node node = awaitAddOns(instance);
    assertThat(condition(node, "NestedVirtualizationReady"))
        .as("the simulator writes no verdict of its own")
        .isNull();
  }

  // ---- deregistration ----

  @Test
  void terminatingTheInstanceDeletesItsNode() {
    EmulatedInstance instance = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);
    EmulatedInstance other = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);
    awaitNode(instance);
    awaitNode(other);

    ec2.terminateInstances(r -> r.instanceIds(instance.id()));

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(kube.nodes().withName(instance.privateDnsName()).get())
                    .as("node of the terminated instance")
                    .isNull());
    assertThat(kube.nodes().withName(other.privateDnsName()).get())
        .as("node of the instance still running")
        .isNotNull();
  }

  @Test
  void instanceFedThroughObserveKeepsItsNodeWhileStoppedAndLosesItWhenTerminated() {
    SimulatedInstance instance =
        new SimulatedInstance(
            "i-0feedc0ffee000001",
            "us-west-2a",
            null,
            "10.1.2.3",
            "c8i.large",
            "x86_64",
            InstanceState.RUNNING,
            KubeletTestFixtures.eksUserData(),
            true,
            0,
            Map.of());
    String name = "ip-10-1-2-3.us-west-2.compute.internal";

    simulator.observe(instance);
    await()
        .atMost(PATIENCE)
        .until(
            () -> kube.nodes().withName(name).get(),
            n -> n != null && condition(n, "NestedVirtualizationReady") != null);
    simulator.observe(instance.withState(InstanceState.STOPPED));
    simulator.observe(instance.withState(InstanceState.RUNNING));
    simulator.observe(instance.withState(InstanceState.RUNNING));

    Node node = kube.nodes().withName(name).get();
    assertThat(node.getMetadata().getLabels())
        .containsEntry("topology.kubernetes.io/region", "us-west-2");
    assertThat(node.getStatus().getCapacity().get("cpu"))
        .as("vCPUs unknown: those of the type's name")
        .isEqualTo(new Quantity("2"));
    simulator.observe(instance.withState(InstanceState.TERMINATED));
    await().atMost(PATIENCE).until(() -> kube.nodes().withName(name).get() == null);
  }

  @Test
  void nodeOfAnotherInstanceUnderTheSameNameIsNeitherTakenOverNorDeleted() {
    kube.nodes()
        .resource(
            new io.fabric8.kubernetes.api.model.NodeBuilder()
                .withNewMetadata()
                .withName("ip-10-9-9-9.ec2.internal")
                .endMetadata()
                .withNewSpec()
                .withProviderID("aws:///us-east-1a/i-someoneelse")
                .endSpec()
                .build())
        .create();
    SimulatedInstance impostor =
        new SimulatedInstance(
            "i-0feedc0ffee000002",
            "us-east-1a",
            "ip-10-9-9-9.ec2.internal",
            "10.9.9.9",
            "c8i.large",
            "x86_64",
            InstanceState.RUNNING,
            null,
            true,
            2,
            Map.of());
    EmulatedInstance witness = launch("c8i.large", KubeletTestFixtures.eksUserData(), true);

    simulator.observe(impostor);
    simulator.observe(impostor.withState(InstanceState.TERMINATED));
    awaitCondition(witness, "NestedVirtualizationReady", "True");

    Node node = kube.nodes().withName("ip-10-9-9-9.ec2.internal").get();
    assertThat(node).as("the other instance's node").isNotNull();
    assertThat(node.getSpec().getProviderID()).isEqualTo("aws:///us-east-1a/i-someoneelse");
    assertThat(node.getStatus() == null ? List.of() : node.getStatus().getConditions()).isEmpty();
  }

  // ---- other writers ----

  @Test
  void labelsTaintsAndConditionsAddedByOthersSurviveLaterStatusUpdates() {
    EmulatedInstance instance = launch("m8i.xlarge", KubeletTestFixtures.eksUserData(), true);
    // Verified, and the add-ons have written their labels and devices.
    awaitAddOns(instance);
    String name = instance.privateDnsName();
    // What the operator does once a node is verified, and a condition another agent owns.
    kube.nodes()
        .withName(name)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("nestedvirt.io/kvm", "verified");
              n.getMetadata()
                  .getLabels()
                  .put("node-restriction.kubernetes.io/nestedvirt-pool", "kubevirt");
              n.getSpec()
                  .setTaints(
                      List.of(
                          taint("kubevirt.io/dedicated", "true", "NoSchedule"),
                          taint("example.com/extra", null, "NoExecute")));
              return n;
            });
    Node withOthers = node(instance);
    List<NodeCondition> conditions = new ArrayList<>(withOthers.getStatus().getConditions());
    conditions.add(
        new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
            .withType("KataReady")
            .withStatus("True")
            .withReason("KataInstalled")
            .withMessage("set by someone else")
            .build());
    withOthers.getStatus().setConditions(conditions);
    kube.nodes().resource(withOthers).updateStatus();
    clock.advance(Duration.ofMinutes(1));

    simulator.failVerification(instance.id(), "guest did not halt");
    Node node = awaitCondition(instance, "NestedVirtualizationReady", "False");

    assertThat(node.getMetadata().getLabels())
        .containsEntry("nestedvirt.io/kvm", "verified")
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "kubevirt")
        .containsEntry("nestedvirt.io/pool", "kubevirt")
        .containsEntry("kubevirt.io/schedulable", "true");
    assertThat(node.getSpec().getTaints())
        .as("taints as the operator left them, the startup taint still removed")
        .containsExactly(
            taint("kubevirt.io/dedicated", "true", "NoSchedule"),
            taint("example.com/extra", null, "NoExecute"));
    assertThat(node.getStatus().getConditions())
        .extracting(NodeCondition::getType)
        .contains("Ready", "KataReady", "NestedVirtualizationReady");
    assertThat(condition(node, "KataReady").getMessage()).isEqualTo("set by someone else");
  }

  // ---- helpers ----

  private EmulatedInstance launch(String type, String userData, boolean nested) {
    return launch(type, userData, nested, Map.of());
  }

  private EmulatedInstance launch(
      String type, String userData, boolean nested, Map<String, String> tags) {
    RunInstancesRequest.Builder request =
        RunInstancesRequest.builder()
            .imageId(cluster.imageId())
            .instanceType(type)
            .minCount(1)
            .maxCount(1)
            .subnetId(cluster.subnetIds().getFirst())
            .userData(
                Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)));
    if (nested) {
      request.cpuOptions(c -> c.nestedVirtualization(NestedVirtualizationSpecification.ENABLED));
    }
    if (!tags.isEmpty()) {
      List<Tag> list = new ArrayList<>();
      tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
      request.tagSpecifications(t -> t.resourceType(ResourceType.INSTANCE).tags(list));
    }
    String id = ec2.runInstances(request.build()).instances().getFirst().instanceId();
    return emulator.instances().stream().filter(i -> i.id().equals(id)).findFirst().orElseThrow();
  }

  private Node node(EmulatedInstance instance) {
    return kube.nodes().withName(instance.privateDnsName()).get();
  }

  private Node awaitNode(EmulatedInstance instance) {
    return await()
        .atMost(PATIENCE)
        .alias("node of " + instance.id() + " registered")
        .until(() -> node(instance), n -> n != null);
  }

  private Node awaitAddOns(EmulatedInstance instance) {
    return await()
        .atMost(PATIENCE)
        .alias("node of " + instance.id() + " has virt-handler's label")
        .until(
            () -> node(instance),
            n ->
                n != null
                    && "true".equals(n.getMetadata().getLabels().get("kubevirt.io/schedulable")));
  }

  private Node awaitCondition(EmulatedInstance instance, String type, String status) {
    return await()
        .atMost(PATIENCE)
        .alias("node of " + instance.id() + " has " + type + "=" + status)
        .until(
            () -> node(instance),
            n -> {
              NodeCondition c = n == null ? null : condition(n, type);
              return c != null && status.equals(c.getStatus());
            });
  }

  private static NodeCondition condition(Node node, String type) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
