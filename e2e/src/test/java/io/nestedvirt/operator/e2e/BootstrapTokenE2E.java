package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.Tags;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;

/**
 * kubeadm pools against the real API server, which runs with {@code --enable-bootstrap-token-auth}
 * (see RealCluster): the bootstrap token the operator made for an instance whose node has not
 * joined authenticates as {@code system:bootstrap:<id>} in kubeadm's node group, the group
 * kubeadm's RBAC lets create CSRs; once the node joined, or its machine went, the API server
 * answers 401.
 */
class BootstrapTokenE2E {
  private static final String POOL = "tokens";
  private static final Pattern TOKEN_IN_USER_DATA =
      Pattern.compile("token: \"([a-z0-9]{6}\\.[a-z0-9]{16})\"");

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void aPendingInstancesTokenAuthenticatesAsItsBootstrapUserAndIsRefusedOnceItsNodeJoined()
      throws IOException {
    // The pool's first instance never joins (its kubelet is held), so its token stays pending.
    AtomicReference<String> held = new AtomicReference<>();
    stack
        .kubelets()
        .simulator()
        .neverRegisterWhen(
            i ->
                POOL.equals(i.tags().get(Tags.POOL))
                    && (held.compareAndSet(null, i.id()) || i.id().equals(held.get())));
    applyKubeadmPool();

    NestedVirtInstance pending =
        await()
            .atMost(Duration.ofMinutes(2))
            .until(
                () ->
                    E2E.machines(admin, POOL).stream()
                        .filter(m -> m.getStatus() != null && m.getStatus().instanceId != null)
                        .findFirst()
                        .orElse(null),
                m -> m != null);
    // Its kubelet is held (the predicate runs when its registration is due), not its successor's.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> pending.getStatus().instanceId.equals(held.get()));
    String pendingToken = tokenIn(userData(pending.getStatus().instanceId));
    List<Secret> secrets =
        admin
            .secrets()
            .inNamespace("kube-system")
            .withLabel("nestedvirt.io/machine-uid", pending.getMetadata().getUid())
            .list()
            .getItems();
    assertThat(secrets)
        .as("the machine's token Secret, as the API server stores it")
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getType()).isEqualTo("bootstrap.kubernetes.io/token");
              assertThat(s.getMetadata().getName())
                  .isEqualTo("bootstrap-token-" + pendingToken.substring(0, 6));
            });

    UserInfo user = whoAmI(pendingToken);
    assertThat(user.getUsername()).isEqualTo("system:bootstrap:" + pendingToken.substring(0, 6));
    assertThat(user.getGroups())
        .contains("system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token");

    // Replace the stuck machine; its successor's node joins.
    admin.resource(pending).delete();
    E2E.awaitReady(admin, POOL, 1);
    NestedVirtInstance joined = E2E.machines(admin, POOL).getFirst();
    String joinedToken = tokenIn(userData(joined.getStatus().instanceId));
    assertThat(joinedToken).isNotEqualTo(pendingToken);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertRefused(joinedToken, "the token of the machine whose node joined");
              assertRefused(pendingToken, "the token of the machine that was deleted");
            });
    assertThat(
            admin
                .secrets()
                .inNamespace("kube-system")
                .withLabel("nestedvirt.io/pool", POOL)
                .list()
                .getItems())
        .isEmpty();

    admin
        .resources(io.nestedvirt.operator.api.v1alpha1.NestedVirtPool.class)
        .withName(POOL)
        .delete();
  }

  private void applyKubeadmPool() throws IOException {
    Path manifest = Files.createTempFile(POOL, ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
        spec:
          replicas: 1
          instanceTypes: [m8i.large]
          image: %s
          bootstrap:
            mode: kubeadm
            kubeadm:
              apiServerEndpoint: 10.0.0.10:6443
              caCertHashes: [sha256:%s]
        """
            .formatted(POOL, stack.moto().imageId, "ab".repeat(32)));
    Tool.Result applied = stack.cluster().kubectl("apply", "-f", manifest.toString());
    assertThat(applied.code()).as(applied.output()).isZero();
  }

  /**
   * The user data moto holds for the instance, as anyone with DescribeInstanceAttribute reads it.
   */
  private String userData(String instanceId) {
    String encoded =
        stack
            .moto()
            .ec2
            .describeInstanceAttribute(
                r -> r.instanceId(instanceId).attribute(InstanceAttributeName.USER_DATA))
            .userData()
            .value();
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
  }

  private static String tokenIn(String userData) {
    Matcher m = TOKEN_IN_USER_DATA.matcher(userData);
    assertThat(m.find()).as("a bootstrap token in the user data").isTrue();
    return m.group(1);
  }

  /** Who the API server takes a client presenting only {@code token} for (SelfSubjectReview). */
  private UserInfo whoAmI(String token) {
    try (KubernetesClient client = asBearer(token)) {
      return client.resource(new SelfSubjectReview()).create().getStatus().getUserInfo();
    }
  }

  private void assertRefused(String token, String what) {
    try (KubernetesClient client = asBearer(token)) {
      assertThatThrownBy(() -> client.resource(new SelfSubjectReview()).create())
          .as(what)
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    }
  }

  /** A client that trusts the API server's CA and presents the token, and no certificate. */
  private KubernetesClient asBearer(String token) {
    Config adminConfig = admin.getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(adminConfig.getMasterUrl())
            .withCaCertData(adminConfig.getCaCertData())
            .withCaCertFile(adminConfig.getCaCertFile())
            .withOauthToken(token)
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
