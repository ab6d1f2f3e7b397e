package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * The operator process dies (SIGKILL) at the two moments that decide whether one launch decision
 * can become two instances or none: after it created the machines but before EC2 got RunInstances,
 * and after EC2 launched but before the operator heard back (so before it wrote the instance into
 * the machine's status). A replica that takes over finishes the pool with exactly the instances
 * asked for: no duplicate, no leak. moto ignores RunInstances' client token (it launches again on a
 * repeat), so the second case also proves that the operator finds a launch by its token in the
 * listing rather than relying on EC2's idempotency.
 */
class OperatorCrashE2E {
  private static final AtomicInteger CRASHES = new AtomicInteger();

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void killedAfterCreatingTheMachinesAndBeforeCallingEc2() throws Exception {
    try (Ec2Proxy proxy = new Ec2Proxy(stack.moto().endpoint)) {
      OperatorProcess crashing = leadThrough(proxy);
      proxy.mode(Ec2Proxy.Mode.HOLD_REQUEST);
      E2E.applyPool("crash-before", 2, "m8i.large");
      await("both machines are decided and their RunInstances is on its way")
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  E2E.machines(admin, "crash-before").size() == 2
                      && proxy.runInstancesSeen.get() >= 2);
      crashing.kill();

      assertThat(proxy.runInstancesForwarded.get()).as("EC2 never got a launch").isZero();
      assertThat(stack.moto().instances("crash-before", Moto.EVERY_STATE)).isEmpty();
      assertThat(E2E.machines(admin, "crash-before"))
          .allSatisfy(m -> assertThat(instanceIdOf(m)).isNull());

      finishWithAFreshLeader("crash-before", 2, List.of());
    }
  }

  @Test
  void killedAfterEc2LaunchedAndBeforeTheStatusWrite() throws Exception {
    try (Ec2Proxy proxy = new Ec2Proxy(stack.moto().endpoint)) {
      OperatorProcess crashing = leadThrough(proxy);
      proxy.mode(Ec2Proxy.Mode.KEEP_ANSWER);
      E2E.applyPool("crash-after", 2, "m8i.large");
      await("EC2 launched both machines' instances; the operator heard nothing back")
          .atMost(Duration.ofMinutes(1))
          .until(() -> stack.moto().instances("crash-after", Moto.EVERY_STATE).size() == 2);
      crashing.kill();

      assertThat(E2E.machines(admin, "crash-after"))
          .as("the launches were never recorded")
          .hasSize(2)
          .allSatisfy(m -> assertThat(instanceIdOf(m)).isNull());
      List<String> launched =
          stack.moto().instances("crash-after", Moto.EVERY_STATE).stream()
              .map(Instance::instanceId)
              .toList();

      finishWithAFreshLeader("crash-after", 2, launched);
    }
  }

  /** A replica that reaches EC2 through the proxy, made the leader. */
  private OperatorProcess leadThrough(Ec2Proxy proxy) throws Exception {
    OperatorProcess replica =
        E2E.startReplica("crashing-" + CRASHES.incrementAndGet(), proxy.endpoint());
    Leases.handTo(admin, replica);
    return replica;
  }

  /**
   * A new replica (straight to moto) takes over once the dead leader's lease expires and brings the
   * pool to Ready; EC2 then holds exactly {@code replicas} instances for it, each claimed by a
   * machine, and the instances EC2 launched before the crash are among them. The replica serves the
   * tests that follow; the pool is deleted.
   */
  private void finishWithAFreshLeader(String pool, int replicas, List<String> launchedBefore)
      throws Exception {
    OperatorProcess fresh = E2E.startReplica("after-" + pool);
    await(fresh.name + " takes the lease")
        .atMost(
            OperatorProcess.LEASE_DURATION.plus(OperatorProcess.RETRY_PERIOD).plus(Leases.SLACK))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> fresh.name.equals(Leases.holder(admin)));
    E2E.awaitReady(admin, pool, replicas);

    assertThat(stack.moto().instances(pool, Moto.EVERY_STATE))
        .as("no duplicate: one instance per decision")
        .hasSize(replicas);
    assertThat(E2E.machines(admin, pool))
        .extracting(OperatorCrashE2E::instanceIdOf)
        .as("no leak: every instance belongs to a machine")
        .containsExactlyInAnyOrderElementsOf(
            stack.moto().instances(pool, Moto.EVERY_STATE).stream()
                .map(Instance::instanceId)
                .toList());
    assertThat(E2E.machines(admin, pool))
        .extracting(OperatorCrashE2E::instanceIdOf)
        .as("the new leader found the instances the dead one launched")
        .containsAll(launchedBefore);

    admin.resources(NestedVirtPool.class).withName(pool).delete();
    await("the pool and its instances go")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> admin.resources(NestedVirtPool.class).withName(pool).get() == null);
    assertThat(stack.moto().instances(pool, "pending", "running")).isEmpty();
  }

  private static String instanceIdOf(NestedVirtInstance m) {
    return m.getStatus() == null ? null : m.getStatus().instanceId;
  }
}
