package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.KubeadmBootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kubeadm pools: each instance joins with a bootstrap token of its own, whose Secret the operator
 * creates in kube-system before the launch and deletes once the node registered or the machine
 * went. The simulated kubelet joins only with a token the API server would accept (see the
 * sandbox's BootstrapTokenCheck), so a node that joins proves its token's Secret was there.
 */
class BootstrapTokensTest {
  private static final String HASH = "sha256:" + "ab".repeat(32);
  private static final Pattern TOKEN_IN_USER_DATA =
      Pattern.compile("token: \"([a-z0-9]{6})\\.([a-z0-9]{16})\"");

  private final OperatorTestbed bed = new OperatorTestbed();

  /** Every Secret ever seen in kube-system, by name, as first seen (most are deleted later). */
  private final Map<String, Secret> seen = new ConcurrentHashMap<>();

  private Watch watch;

  @BeforeEach
  void watchKubeSystem() {
    watch =
        bed.client()
            .secrets()
            .inNamespace("kube-system")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    seen.putIfAbsent(secret.getMetadata().getName(), secret);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  @AfterEach
  void close() {
    watch.close();
    bed.close();
  }

  @Test
  void eachInstanceJoinsWithATokenOfItsOwnThatIsDeletedOnceItsNodeRegistered() {
    Instant start = bed.clock.instant();
    bed.startOperator();
    bed.createPool("adm", 3, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    bed.awaitReady("adm", 3);

    Map<String, String> tokenByInstance =
        bed.ec2.instances().stream()
            .filter(i -> "adm".equals(i.tags().get(Tags.POOL)))
            .collect(Collectors.toMap(EmulatedInstance::id, i -> tokenIn(i.userData())));
    assertThat(tokenByInstance.values())
        .as("one token per instance, none shared")
        .hasSize(3)
        .doesNotHaveDuplicates();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(tokensLeft()).as("tokens left after every node joined").isEmpty());
    assertThat(seen.values())
        .as("the Secrets the operator made")
        .extracting(s -> field(s, "token-id") + "." + field(s, "token-secret"))
        .containsExactlyInAnyOrderElementsOf(tokenByInstance.values());

    Set<String> machineUids =
        bed.machines("adm").stream().map(NestedVirtInstance::uid).collect(Collectors.toSet());
    assertThat(seen.values())
        .allSatisfy(
            s -> {
              assertThat(s.getMetadata().getName())
                  .isEqualTo("bootstrap-token-" + field(s, "token-id"));
              assertThat(s.getType()).isEqualTo("bootstrap.kubernetes.io/token");
              assertThat(field(s, "usage-bootstrap-authentication")).isEqualTo("true");
              assertThat(field(s, "usage-bootstrap-signing")).isEqualTo("true");
              assertThat(field(s, "auth-extra-groups"))
                  .isEqualTo("system:bootstrappers:kubeadm:default-node-token");
              assertThat(Instant.parse(field(s, "expiration")))
                  .as("expires after the pool's joinTimeout (15m)")
                  .isAfter(start.plus(Duration.ofMinutes(15)).minusSeconds(1))
                  .isBefore(bed.clock.instant().plus(Duration.ofMinutes(15)).plusSeconds(1));
              assertThat(s.getMetadata().getLabels())
                  .containsEntry("nestedvirt.io/pool", "adm")
                  .containsKey("nestedvirt.io/machine");
              assertThat(field(s, "description"))
                  .contains(s.getMetadata().getLabels().get("nestedvirt.io/machine"));
              assertThat(s.getMetadata().getOwnerReferences())
                  .singleElement()
                  .satisfies(o -> assertThat(o.getKind()).isEqualTo("NestedVirtInstance"));
            })
        .extracting(s -> s.getMetadata().getLabels().get("nestedvirt.io/machine-uid"))
        .as("one token per machine")
        .containsExactlyInAnyOrderElementsOf(machineUids);
  }

  @Test
  void aMachineDeletedBeforeItsNodeJoinedTakesItsTokenAlongAndItsSuccessorGetsANewOne() {
    AtomicReference<String> first = new AtomicReference<>();
    bed.kubelets.neverRegisterWhen(
        i -> first.compareAndSet(null, i.id()) || i.id().equals(first.get()));
    bed.startOperator();
    bed.createPool("adm", 1, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                bed.machines("adm").stream()
                    .anyMatch(m -> m.getStatus() != null && m.getStatus().instanceId != null));
    NestedVirtInstance stuck = bed.machines("adm").getFirst();
    // Its kubelet is held (the predicate runs when its registration is due).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stuck.getStatus().instanceId.equals(first.get()));
    assertThat(tokensLeft())
        .as("the stuck machine's token, while it waits for its node")
        .hasSize(1);

    bed.client().resource(stuck).delete();
    bed.awaitReady("adm", 1);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tokensLeft()).isEmpty());
    assertThat(seen.values())
        .as("one token for the deleted machine, one for its successor")
        .hasSize(2)
        .extracting(s -> s.getMetadata().getLabels().get("nestedvirt.io/machine-uid"))
        .contains(stuck.uid())
        .doesNotHaveDuplicates();
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "adm".equals(i.tags().get(Tags.POOL)))
        .extracting(i -> tokenIn(i.userData()))
        .hasSize(2)
        .doesNotHaveDuplicates();
  }

  @Test
  void aMachineThatFailedToLaunchIsSucceededByOneWithAFreshTokenAndItsOwnIsDeleted() {
    bed.ec2.insufficientCapacity("m8i.large", null);
    bed.startOperator();
    bed.createPool("adm", 1, spec -> spec.bootstrap = kubeadm(), "m8i.large", "c8i.large");
    bed.awaitReady("adm", 1);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tokensLeft()).isEmpty());
    String joined = tokenIn(bed.liveInstances("adm").getFirst().userData());
    assertThat(seen.values())
        .as("a token for the failed launch and one for its successor")
        .hasSizeGreaterThanOrEqualTo(2)
        .extracting(s -> field(s, "token-id") + "." + field(s, "token-secret"))
        .doesNotHaveDuplicates()
        .contains(joined);
  }

  @Test
  void aLaunchWhoseAnswerWasLostIsRepeatedWithTheSameTokenSoItsInstanceJoins() {
    // The first two launch attempts land but lose their answer (the SDK's own retries included),
    // and the listing shows an instance only 5 s after its launch, so the machine repeats its
    // RunInstances before it can find the instance: the repeat must carry the same user data, or
    // EC2 refuses it and the instance that did launch holds a token that no longer exists.
    bed.ec2.failWithInternalErrorAfterApplying("RunInstances", 6);
    CountingCloud lagging = new CountingCloud(bed.aws);
    lagging.listingFilter =
        listed ->
            listed.stream()
                .filter(
                    i ->
                        i.launchTime() == null
                            || !i.launchTime().plusSeconds(5).isAfter(bed.clock.instant()))
                .toList();
    bed.startOperator(cloud -> lagging);
    bed.createPool("adm", 1, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    bed.awaitReady("adm", 1);

    assertThat(bed.ec2.calls("RunInstances")).as("repeated launches").isGreaterThan(3);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "adm".equals(i.tags().get(Tags.POOL)))
        .hasSize(1);
    assertThat(seen).as("one token made for the one machine").hasSize(1);
  }

  @Test
  void anOperatorRestartedBeforeTheLaunchWentThroughLaunchesWithTheTokenItHadMade() {
    // EC2 is unavailable, so the machine's token exists but no instance does; then the operator
    // stops (as if killed) and a new one takes over.
    bed.ec2.failWithUnavailable("RunInstances", Integer.MAX_VALUE);
    bed.startOperator();
    bed.createPool("adm", 1, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    await().atMost(Duration.ofSeconds(20)).until(() -> bed.ec2.calls("RunInstances") > 0);
    assertThat(tokensLeft()).hasSize(1);
    bed.stopOperator();
    bed.ec2.clearFaults();

    bed.startOperator();
    bed.awaitReady("adm", 1);

    assertThat(seen).as("the restarted operator made no second token").hasSize(1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tokensLeft()).isEmpty());
  }

  @Test
  void aTokenLeftByAMachineThatIsGoneIsSwept() {
    bed.client()
        .secrets()
        .inNamespace("kube-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bootstrap-token-abcdef")
                .withNamespace("kube-system")
                .addToLabels("nestedvirt.io/machine-uid", "00000000-0000-0000-0000-000000000000")
                .addToLabels("nestedvirt.io/machine", "gone-x7k2p")
                .endMetadata()
                .withType("bootstrap.kubernetes.io/token")
                .withData(
                    Map.of("token-id", b64("abcdef"), "token-secret", b64("0123456789abcdef")))
                .build())
        .create();
    bed.client()
        .secrets()
        .inNamespace("kube-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bootstrap-token-zzzzzz")
                .withNamespace("kube-system")
                .endMetadata()
                .withType("bootstrap.kubernetes.io/token")
                .build())
        .create();
    bed.startOperator();
    bed.createPool("adm", 1, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    bed.awaitReady("adm", 1);
    assertThat(tokensLeft()).as("within the grace period").hasSize(1);

    bed.clock.advance(Duration.ofMinutes(6));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tokensLeft()).isEmpty());
    assertThat(
            bed.client()
                .secrets()
                .inNamespace("kube-system")
                .withName("bootstrap-token-zzzzzz")
                .get())
        .as("a token that is not the operator's")
        .isNotNull();
  }

  @Test
  void withoutKubeadmPoolsTheOperatorNeverTouchesSecrets() {
    bed.api.takeRequests();
    bed.startOperator();
    bed.createPool("eks", 2, "m8i.large");
    bed.awaitReady("eks", 2);
    NestedVirtInstance replaced = bed.machines("eks").getFirst();
    bed.client().resource(replaced).delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> bed.machines("eks").stream().noneMatch(m -> m.uid().equals(replaced.uid())));
    bed.awaitReady("eks", 2);

    assertThat(bed.api.takeRequests())
        .as("requests for Secrets by an operator whose pools all join with eks")
        .noneMatch(r -> r.contains("/secrets"));
  }

  @Test
  void steadyKubeadmPoolsCostNoSecretRequests() {
    bed.startOperator();
    bed.createPool("adm", 2, spec -> spec.bootstrap = kubeadm(), "m8i.large");
    bed.awaitReady("adm", 2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(tokensLeft()).isEmpty());
    bed.api.takeRequests();

    // Five refresh periods: the garbage collector sweeps once in each.
    await()
        .pollDelay(OperatorTestbed.REFRESH.multipliedBy(5))
        .atMost(Duration.ofSeconds(5))
        .until(() -> true);

    assertThat(bed.api.takeRequests())
        .as("Secret requests in steady state; the sweep should read its watch")
        .noneMatch(r -> r.contains("/secrets") && !r.contains("watch=true"));
  }

  private List<Secret> tokensLeft() {
    return bed.client()
        .secrets()
        .inNamespace("kube-system")
        .withLabel("nestedvirt.io/machine-uid")
        .list()
        .getItems();
  }

  private static String tokenIn(String userData) {
    Matcher m = TOKEN_IN_USER_DATA.matcher(userData);
    assertThat(m.find()).as("a bootstrap token in the user data").isTrue();
    return m.group(1) + "." + m.group(2);
  }

  private static String field(Secret s, String key) {
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static BootstrapSpec kubeadm() {
    BootstrapSpec bootstrap = new BootstrapSpec();
    bootstrap.mode = BootstrapSpec.Mode.KUBEADM;
    bootstrap.kubeadm = new KubeadmBootstrapSpec();
    bootstrap.kubeadm.apiServerEndpoint = "10.0.0.10:6443";
    bootstrap.kubeadm.caCertHashes = List.of(HASH);
    return bootstrap;
  }
}
