package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas, one lease: only the holder of the Lease {@code
 * nestedvirt-system/nestedvirt-operator} reconciles, and when it dies without a word (SIGKILL, as
 * when its node fails) the other takes the lease once it expires and carries on.
 *
 * <p>The stack's operator ({@link E2E}) is the first replica, so no third operator reconciles
 * behind the test's back; this test adds the second and kills the first. The second then serves the
 * tests that run after this one.
 */
class LeaderElectionE2E {
  private static final String LEASE_NAMESPACE = RealCluster.OPERATOR_NAMESPACE;
  private static final String LEASE = "nestedvirt-operator";

  /** JOSDK's defaults, which the operator keeps: the lease lasts 15 s, candidates retry every 2. */
  private static final Duration LEASE_DURATION = Duration.ofSeconds(15);

  private static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void onlyTheLeaseHolderReconcilesAndAStandbyTakesOverWhenItDies() throws Exception {
    OperatorProcess first = stack.operator();
    await("the stack's operator holds the lease")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> first.name.equals(holder()));

    OperatorProcess second = E2E.startReplica("operator-replica");
    await("the replica stands by")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                second
                    .logText()
                    .contains("leader election: operator leads, operator-replica stands by"));

    apply("leader-first");
    E2E.awaitReady(admin, "leader-first", 1);
    assertThat(first.logText())
        .as("the lease holder launches the pool's instance")
        .contains("pool leader-first: launched");
    assertThat(second.logText())
        .as("the standby neither reconciles nor launches anything")
        .doesNotContain("pool leader-first")
        .doesNotContain("launched")
        .doesNotContain("leader election: operator-replica leads");
    assertThat(holder()).isEqualTo(first.name);

    long killed = System.nanoTime();
    first.kill();
    // A liveness bound, not a speed check: the lease must expire and be taken on a retry.
    await("the replica takes the lease")
        .atMost(LEASE_DURATION.plus(RETRY_PERIOD).plus(Duration.ofSeconds(30)))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> second.name.equals(holder()));
    Duration handover = Duration.ofNanos(System.nanoTime() - killed);
    System.out.printf(
        "leader election: %s took over %.1f s after %s was killed (lease %d s, retry %d s)%n",
        second.name,
        handover.toMillis() / 1000.0,
        first.name,
        LEASE_DURATION.toSeconds(),
        RETRY_PERIOD.toSeconds());

    apply("leader-second");
    E2E.awaitReady(admin, "leader-second", 1);
    assertThat(second.logText())
        .as("the new holder reconciles")
        .contains("leader election: operator-replica leads")
        .contains("pool leader-second: launched");
    assertThat(second.isAlive()).isTrue();

    var pools = admin.resources(NestedVirtPool.class);
    pools.withName("leader-first").delete();
    pools.withName("leader-second").delete();
    await("the new holder finishes deleting both pools")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                pools.withName("leader-first").get() == null
                    && pools.withName("leader-second").get() == null);
  }

  private String holder() {
    Lease lease = admin.resources(Lease.class).inNamespace(LEASE_NAMESPACE).withName(LEASE).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private void apply(String pool) throws Exception {
    Path manifest = Files.createTempFile(pool, ".yaml");
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
        """
            .formatted(pool, stack.moto().imageId));
    Kubectl.Result applied = stack.cluster().kubectl("apply", "-f", manifest.toString());
    assertThat(applied.code()).as(applied.output()).isZero();
  }
}
