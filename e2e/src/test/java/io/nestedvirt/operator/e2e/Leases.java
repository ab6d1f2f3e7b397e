package io.nestedvirt.operator.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * The operators' Lease as tests read it, and handing it to a replica of the test's choice: every
 * other live operator is killed (SIGKILL, no release), so the chosen one takes the lease once it
 * expires. The tier always keeps one operator: the chosen one serves the tests that follow.
 */
final class Leases {
  static final String NAMESPACE = RealCluster.OPERATOR_NAMESPACE;
  static final String NAME = "nestedvirt-operator";

  /** Room for a loaded 2-core machine; the bounds are liveness, not speed. */
  static final Duration SLACK = Duration.ofSeconds(30);

  private Leases() {}

  static Lease lease(KubernetesClient admin) {
    return admin.resources(Lease.class).inNamespace(NAMESPACE).withName(NAME).get();
  }

  /** The identity the Lease names, or null. */
  static String holder(KubernetesClient admin) {
    Lease lease = lease(admin);
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** The operator process whose name the Lease holds. */
  static OperatorProcess awaitHolder(KubernetesClient admin) {
    await("an operator holds the lease")
        .atMost(OperatorProcess.LEASE_DURATION.plus(OperatorProcess.RETRY_PERIOD).plus(SLACK))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> holder(admin) != null);
    String name = holder(admin);
    return E2E.operators().stream()
        .filter(p -> p.name.equals(name) && p.isAlive())
        .findFirst()
        .orElseThrow(() -> new AssertionError("the lease names " + name + ", no live operator"));
  }

  static void awaitStandingBy(OperatorProcess replica) {
    await(replica.name + " stands by")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> replica.logText().contains(", " + replica.name + " stands by"));
  }

  /** Kills every other live operator and waits until {@code replica} holds the lease. */
  static void handTo(KubernetesClient admin, OperatorProcess replica) throws InterruptedException {
    awaitStandingBy(replica);
    for (OperatorProcess other : E2E.operators()) {
      if (other != replica && other.isAlive()) {
        other.kill();
      }
    }
    await(replica.name + " takes the lease")
        .atMost(OperatorProcess.LEASE_DURATION.plus(OperatorProcess.RETRY_PERIOD).plus(SLACK))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> replica.name.equals(holder(admin)));
  }
}
