package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.interruption.Messages;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * EC2's warnings through a real SQS implementation (moto's), in the shapes AWS documents, to the
 * operator process as it runs in production (a queue named with --interruption-queue, leader
 * election on) against a real kube-apiserver. EventBridge does not run here: the test sends what
 * its rules would (deploy/interruption, checked by InterruptionDeployE2E).
 */
class InterruptionQueueE2E {
  private static final Duration WAIT = Duration.ofMinutes(2);

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @AfterEach
  void deletePools() {
    stack.cluster().kubectl("delete", "nvp", "spot-warned", "rebalanced", "--ignore-not-found");
  }

  @Test
  void aSpotWarningDrainsAndReplacesTheNamedInstanceAndTheMessageIsDeleted() throws Exception {
    E2E.applyPool("spot-warned", 2, "m8i.large");
    E2E.awaitReady(admin, "spot-warned", 2);
    NestedVirtInstance victim = E2E.machines(admin, "spot-warned").getFirst();
    String instance = victim.getStatus().instanceId;

    stack.moto().sendInterruption(Messages.spotInterruption(instance));

    await()
        .atMost(WAIT)
        .until(
            () -> admin.resources(NestedVirtInstance.class).withName(victim.name()).get() == null);
    E2E.awaitReady(admin, "spot-warned", 2);
    assertThat(stack.moto().instances("spot-warned", "terminated"))
        .extracting(i -> i.instanceId())
        .contains(instance);
    assertThat(stack.moto().instances("spot-warned", "pending", "running"))
        .extracting(i -> i.instanceId())
        .hasSize(2)
        .doesNotContain(instance);
    await().atMost(WAIT).until(() -> stack.moto().interruptionsLeft() == 0);
    assertThat(
            admin.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> victim.name().equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason())
                .toList())
        .contains("SpotInterruption");
  }

  @Test
  void aDuplicateChangesNothingAndAWarningForAnUnknownInstanceIsDeletedAndLogged()
      throws Exception {
    E2E.applyPool("rebalanced", 1, "m8i.large");
    E2E.awaitReady(admin, "rebalanced", 1);
    NestedVirtInstance machine = E2E.machines(admin, "rebalanced").getFirst();
    String instance = machine.getStatus().instanceId;
    var machines = admin.resources(NestedVirtInstance.class);

    stack.moto().sendInterruption(Messages.rebalance(instance));
    await()
        .atMost(WAIT)
        .until(
            () ->
                machines.withName(machine.name()).get().interruption().isPresent()
                    && stack.moto().interruptionsLeft() == 0);
    NestedVirtInstance noted = machines.withName(machine.name()).get();
    assertThat(noted.interruption().map(InterruptionNotice::kind))
        .contains(InterruptionNotice.Kind.RebalanceRecommendation);

    stack.moto().sendInterruption(Messages.rebalance(instance));
    stack.moto().sendInterruption(Messages.spotInterruption("i-0fffffffffffffff0"));
    await().atMost(WAIT).until(() -> stack.moto().interruptionsLeft() == 0);

    NestedVirtInstance after = machines.withName(machine.name()).get();
    assertThat(after.getMetadata().getResourceVersion())
        .as("the duplicate wrote nothing")
        .isEqualTo(noted.getMetadata().getResourceVersion());
    assertThat(after.isDeleting()).isFalse();
    assertThat(E2E.machines(admin, "rebalanced")).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(E2E.leader().logText())
                    .contains(
                        "SpotInterruption for i-0fffffffffffffff0, which is no machine of this"
                            + " cluster; deleted"));
    List<String> conditions =
        after.getStatus().conditions.stream().map(c -> c.type + "=" + c.status).toList();
    assertThat(conditions).contains("Interrupted=False");
  }
}
