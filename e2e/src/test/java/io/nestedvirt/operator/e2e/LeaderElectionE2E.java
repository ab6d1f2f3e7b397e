package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Operator replicas, one lease: only the holder of the Lease {@code
 * nestedvirt-system/nestedvirt-operator} reconciles; when it dies without a word (SIGKILL, as when
 * its node fails) a standby takes the lease once it expires and carries on; a holder that cannot
 * renew exits rather than work on beside a new holder.
 *
 * <p>The stack's operator ({@link E2E}) is the first replica, so no operator outside the election
 * reconciles behind the tests' back. Each test adds a standby before it ends the holder, so the
 * tier always keeps one operator; the last standby to take over serves the tests that follow.
 */
class LeaderElectionE2E {
  private static final String LEASE_NAMESPACE = RealCluster.OPERATOR_NAMESPACE;
  private static final String LEASE = "nestedvirt-operator";

  private static final Duration LEASE_DURATION = OperatorProcess.LEASE_DURATION;
  private static final Duration RENEW_DEADLINE = OperatorProcess.RENEW_DEADLINE;
  private static final Duration RETRY_PERIOD = OperatorProcess.RETRY_PERIOD;

  /** Room for a loaded 2-core machine; the bounds are liveness, not speed. */
  private static final Duration SLACK = Duration.ofSeconds(30);

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void onlyTheLeaseHolderReconcilesAndAStandbyTakesOverWhenItDies() throws Exception {
    OperatorProcess first = awaitHolder();
    OperatorProcess second = E2E.startReplica("operator-standby");
    awaitStandingBy(second);

    E2E.applyPool("leader-first", 1, "m8i.large");
    E2E.awaitReady(admin, "leader-first", 1);
    assertThat(first.logText())
        .as("the lease holder launches the pool's instance")
        .containsPattern("machine leader-first-[a-z0-9]{5}: launched i-");
    assertThat(second.logText())
        .as("the standby neither reconciles nor launches anything")
        .doesNotContain("pool leader-first")
        .doesNotContain("launched")
        .doesNotContain("leader election: " + second.name + " leads");
    assertThat(holder()).isEqualTo(first.name);
    assertThat(first.scrape().sum("nestedvirt_leader")).isEqualTo(1);
    assertThat(second.scrape().sum("nestedvirt_leader")).as("the standby").isZero();
    assertThat(second.get("/readyz").statusCode())
        .as("a standby is ready: it serves metrics and waits for the lease")
        .isEqualTo(200);

    Instant lastRenewSeen = lease().getSpec().getRenewTime().toInstant();
    long killed = System.nanoTime();
    first.kill();
    await("the standby takes the lease")
        .atMost(LEASE_DURATION.plus(RETRY_PERIOD).plus(SLACK))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> second.name.equals(holder()));
    Duration handover =
        Duration.between(lastRenewSeen, lease().getSpec().getAcquireTime().toInstant());
    System.out.printf(
        "leader election: %s took over %.1f s after %s was killed, %.1f s after its last renewal"
            + " seen (lease %d s, retry %d s)%n",
        second.name,
        (System.nanoTime() - killed) / 1e9,
        first.name,
        handover.toMillis() / 1e3,
        LEASE_DURATION.toSeconds(),
        RETRY_PERIOD.toSeconds());
    // The lease's protocol, in the lease's own timestamps: a standby may take the lease once it
    // has gone unrenewed for its duration, and tries every retry period plus up to 120% jitter
    // (fabric8's LeaderElector). The holder cannot renew between our read and the kill (a few
    // milliseconds). One second covers scheduling on a loaded machine.
    assertThat(handover)
        .as("takeover after the holder's death, from its last renewal")
        .isGreaterThanOrEqualTo(LEASE_DURATION)
        .isLessThanOrEqualTo(
            LEASE_DURATION
                .plus(RETRY_PERIOD.multipliedBy(22).dividedBy(10))
                .plus(Duration.ofSeconds(1)));
    await("the new holder says so in its metrics")
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.scrape().sum("nestedvirt_leader") == 1);

    E2E.applyPool("leader-second", 1, "m8i.large");
    E2E.awaitReady(admin, "leader-second", 1);
    assertThat(second.logText())
        .as("the new holder reconciles")
        .contains("leader election: " + second.name + " leads")
        .containsPattern("machine leader-second-[a-z0-9]{5}: launched i-");

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

  /**
   * Split brain made impossible: another identity takes the lease (as a replica would after a
   * network partition hid the holder's renewals); the holder, unable to renew, exits with status 1
   * within its renew deadline instead of going on, and a standby takes over when that lease
   * expires.
   */
  @Test
  void aHolderThatCannotRenewItsLeaseExits() throws Exception {
    OperatorProcess holder = awaitHolder();
    OperatorProcess successor = E2E.startReplica("operator-successor");
    awaitStandingBy(successor);

    long taken = System.nanoTime();
    admin
        .resources(Lease.class)
        .inNamespace(LEASE_NAMESPACE)
        .withName(LEASE)
        .edit(
            lease -> {
              ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
              lease.getSpec().setHolderIdentity("intruder");
              lease.getSpec().setAcquireTime(now);
              lease.getSpec().setRenewTime(now);
              lease.getSpec().setLeaseDurationSeconds((int) LEASE_DURATION.toSeconds());
              return lease;
            });

    OptionalInt exit = holder.awaitExit(RENEW_DEADLINE.plus(RETRY_PERIOD).plus(SLACK));
    assertThat(exit)
        .as("the holder that lost its lease exits with status 1 (log: %s)", holder.log)
        .hasValue(1);
    assertThat(holder.logText()).contains("leader election: " + holder.name + " lost the lease");
    System.out.printf(
        "leader election: %s exited %.1f s after its lease was taken (renew deadline %d s)%n",
        holder.name, (System.nanoTime() - taken) / 1e9, RENEW_DEADLINE.toSeconds());

    await("the standby takes the lease once the intruder's expires")
        .atMost(LEASE_DURATION.plus(RETRY_PERIOD).plus(SLACK))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> successor.name.equals(holder()));
    E2E.applyPool("leader-successor", 1, "m8i.large");
    E2E.awaitReady(admin, "leader-successor", 1);
    assertThat(successor.logText())
        .containsPattern("machine leader-successor-[a-z0-9]{5}: launched i-");
    var pools = admin.resources(NestedVirtPool.class);
    pools.withName("leader-successor").delete();
    await("the successor deletes the pool")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> pools.withName("leader-successor").get() == null);
  }

  /** The operator process whose name the Lease holds. */
  private OperatorProcess awaitHolder() {
    await("an operator holds the lease")
        .atMost(LEASE_DURATION.plus(RETRY_PERIOD).plus(SLACK))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> holder() != null);
    String name = holder();
    return E2E.operators().stream()
        .filter(p -> p.name.equals(name) && p.isAlive())
        .findFirst()
        .orElseThrow(() -> new AssertionError("the lease names " + name + ", no live operator"));
  }

  private static void awaitStandingBy(OperatorProcess replica) {
    await(replica.name + " stands by")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> replica.logText().contains(", " + replica.name + " stands by"));
  }

  private String holder() {
    Lease lease = lease();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private Lease lease() {
    return admin.resources(Lease.class).inNamespace(LEASE_NAMESPACE).withName(LEASE).get();
  }
}
