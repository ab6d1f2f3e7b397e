package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.api.v1alpha1.PendingLaunch;
import io.nestedvirt.operator.cloud.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Upgrading keeps running nodes: a pool whose status was written by the operator version that kept
 * its instances there (status.instances, pendingLaunches, launchSequence) gets a NestedVirtInstance
 * per running instance, nothing is launched or terminated, and the old fields go.
 */
class AdoptionTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void runningInstancesOfAnOldStatusBecomeMachinesWithoutALaunchOrATermination() {
    NestedVirtPool pool = bed.createPool("legacy", 3, "m8i.large");
    List<Instance> running = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      running.add(bed.launchTagged(pool.name(), pool.getMetadata().getUid(), "nvp-legacy-" + i, i));
    }
    writeOldStatus(pool, running, List.of(pending("nvp-legacy-2", Instant.now())));
    bed.ec2.resetCalls();

    bed.startOperator();
    bed.awaitReady("legacy", 3);

    List<NestedVirtInstance> machines = bed.machines("legacy");
    assertThat(machines)
        .extracting(m -> m.getSpec().instanceId)
        .as("each running instance adopted by id, once")
        .containsExactlyInAnyOrderElementsOf(running.stream().map(Instance::id).toList());
    assertThat(machines)
        .allSatisfy(
            m -> {
              assertThat(m.getStatus().instanceId).isEqualTo(m.getSpec().instanceId);
              assertThat(m.getStatus().phase).isEqualTo("Ready");
              assertThat(m.getStatus().imageId)
                  .as("the AMI EC2 reports for the adopted instance")
                  .isEqualTo(bed.network.imageId());
            });
    assertThat(bed.ec2.calls("RunInstances")).as("nothing launched again").isZero();
    assertThat(bed.ec2.calls("TerminateInstances")).as("nothing terminated").isZero();
    NestedVirtPoolStatus status = bed.pool("legacy").getStatus();
    assertThat(status.instances).as("the old fields are gone").isNull();
    assertThat(status.pendingLaunches).isNull();
    assertThat(status.launchSequence).isNull();
    assertThat(bed.events("legacy"))
        .filteredOn(e -> e.getReason().equals("Adopted"))
        .extracting(Event::getMessage)
        .singleElement()
        .satisfies(m -> running.forEach(i -> assertThat(m).contains(i.id())));
  }

  @Test
  void aLaunchTheOldVersionDecidedIsWaitedForNotLaunchedAgain() {
    NestedVirtPool pool = bed.createPool("inflight", 2, "m8i.large");
    Instance first =
        bed.launchTagged(pool.name(), pool.getMetadata().getUid(), "nvp-inflight-0", 0);
    Instance second =
        bed.launchTagged(pool.name(), pool.getMetadata().getUid(), "nvp-inflight-1", 1);
    writeOldStatus(pool, List.of(first), List.of(pending("nvp-inflight-1", Instant.now())));
    // The second launch is not listed yet (EC2 listings lag launches).
    CountingCloud lagging = new CountingCloud(bed.aws);
    lagging.listingFilter = l -> l.stream().filter(i -> !i.id().equals(second.id())).toList();
    bed.ec2.resetCalls();

    bed.startOperator(cloud -> lagging);
    await().atMost(Duration.ofSeconds(30)).until(() -> bed.machines("inflight").size() == 1);
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(bed.machines("inflight"))
        .as("while the old launch may still show up, the pool launches nothing")
        .hasSize(1);
    assertThat(bed.pool("inflight").getStatus().pendingLaunches).isNotNull();
    assertThat(bed.ec2.calls("RunInstances")).isZero();

    lagging.listingFilter = l -> l;
    bed.awaitReady("inflight", 2);

    assertThat(bed.machines("inflight"))
        .extracting(m -> m.getSpec().instanceId)
        .containsExactlyInAnyOrder(first.id(), second.id());
    assertThat(bed.ec2.calls("RunInstances")).isZero();
    assertThat(bed.pool("inflight").getStatus().pendingLaunches).isNull();
  }

  private void writeOldStatus(
      NestedVirtPool pool, List<Instance> listed, List<PendingLaunch> pending) {
    NestedVirtPool current = bed.pool(pool.name());
    NestedVirtPoolStatus status = new NestedVirtPoolStatus();
    status.replicas = listed.size();
    status.launchSequence = 7L;
    status.pendingLaunches = new ArrayList<>(pending);
    status.instances =
        listed.stream()
            .map(
                i -> {
                  InstanceStatus s = new InstanceStatus();
                  s.id = i.id();
                  s.instanceType = i.instanceType();
                  s.zone = i.zone();
                  s.subnetId = i.subnetId();
                  s.state = "running";
                  s.launchTime = i.launchTime().toString();
                  s.phase = "Ready";
                  return s;
                })
            .collect(Collectors.toList());
    current.setStatus(status);
    bed.client().resource(current).updateStatus();
    assertThat(bed.pool(pool.name()).getStatus().hasLegacyFields()).isTrue();
  }

  private static PendingLaunch pending(String token, Instant decidedAt) {
    return new PendingLaunch(token, 1, "m8i.large", "subnet-x", decidedAt.toString());
  }
}
