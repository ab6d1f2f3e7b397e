package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the pools lost track of is cleaned up after a grace period, and only that. */
class GarbageCollectionTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void instancesOfAPoolThatIsGoneOrWasRecreatedAreTerminatedAfterTheGracePeriod() {
    bed.startOperator();
    String kept = bed.createPool("kept", 1, "m8i.large").getMetadata().getUid();
    bed.awaitReady("kept", 1);
    String gone = bed.launchTagged("vanished", "uid-of-a-deleted-pool", "gc-vanished", 0).id();
    String stale = bed.launchTagged("kept", "uid-of-an-earlier-kept", "gc-kept-earlier", 0).id();

    // Within the grace period nothing is touched: a listing may lag behind a launch.
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(stateOf(gone)).isEqualTo(InstanceState.RUNNING);
    assertThat(stateOf(stale)).isEqualTo(InstanceState.RUNNING);

    bed.clock.advance(Duration.ofMinutes(6));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                stateOf(gone) != InstanceState.RUNNING && stateOf(stale) != InstanceState.RUNNING);
    assertThat(bed.liveInstances("kept"))
        .as("the live pool's own instance is untouched")
        .extracting(EmulatedInstance::id)
        .hasSize(1)
        .allMatch(
            id ->
                bed.ec2.instances().stream()
                    .anyMatch(i -> i.id().equals(id) && kept.equals(i.tags().get(Tags.POOL_UID))));
  }

  @Test
  void collectingReadsPoolsAndNodesFromTheInformersNotFromTheApiServer() {
    bed.startOperator();
    bed.createPool("steady", 2, "m8i.large");
    bed.awaitReady("steady", 2);
    bed.api.takeRequests();

    // Five refresh periods: the collector runs once in each.
    await()
        .pollDelay(OperatorTestbed.REFRESH.multipliedBy(5))
        .atMost(Duration.ofSeconds(5))
        .until(() -> true);

    List<String> lists =
        bed.api.takeRequests().stream()
            .filter(r -> r.startsWith("GET ") && !r.contains("watch=true"))
            .filter(r -> r.matches("GET [^?]*/(nodes|nestedvirtpools|nestedvirtinstances)(\\?.*)?"))
            .toList();
    assertThat(lists)
        .as(
            "LIST requests for Nodes, pools or machines in steady state; the garbage collector should read"
                + " the informers' caches, not list every Node each refresh period")
        .isEmpty();
  }

  @Test
  void theNodeOfATerminatedInstanceIsDeleted() {
    bed.startOperator();
    bed.createPool("nodes", 1, "m8i.large");
    bed.awaitReady("nodes", 1);
    bed.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("ip-10-0-9-9.ec2.internal")
                .withLabels(
                    Map.of(
                        "nestedvirt.io/pool", "nodes",
                        "node-restriction.kubernetes.io/nestedvirt-pool", "nodes"))
                .endMetadata()
                .withNewSpec()
                .withProviderID("aws:///us-east-1a/i-0123456789abcdef0")
                .endSpec()
                .build())
        .create();
    // Let the collector see the orphan first; the grace period runs from then.
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(bed.client().nodes().withName("ip-10-0-9-9.ec2.internal").get()).isNotNull();

    bed.clock.advance(Duration.ofMinutes(6));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.client().nodes().withName("ip-10-0-9-9.ec2.internal").get() == null);
    assertThat(bed.pool("nodes").getStatus().readyReplicas).isEqualTo(1);
  }

  @Test
  void aMachineWhoseInstanceEc2NoLongerListsIsDeletedAfterTheGracePeriodAndReplaced() {
    CountingCloud cloud = new CountingCloud(bed.aws);
    bed.startOperator(c -> cloud);
    bed.createPool("forgotten", 1, "m8i.large");
    bed.awaitReady("forgotten", 1);
    NestedVirtInstance machine = bed.machines("forgotten").get(0);
    String lost = machine.getStatus().instanceId;
    // EC2 forgets the instance: no listing shows it any more.
    cloud.listingFilter = l -> l.stream().filter(i -> !i.id().equals(lost)).toList();
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(bed.machine(machine.getMetadata().getName()))
        .as("within the grace period the machine stays (listings lag)")
        .isNotNull();

    bed.clock.advance(Duration.ofMinutes(6));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.machine(machine.getMetadata().getName()) == null);
    bed.awaitReady("forgotten", 1);
    assertThat(bed.readyInstances("forgotten")).doesNotContain(lost);
    assertThat(bed.eventsWithMachines("forgotten"))
        .filteredOn(e -> e.getReason().equals("InstanceGone"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(lost));
  }

  @Test
  void aMachineWhosePoolIsGoneIsDeleted() {
    bed.startOperator();
    NestedVirtInstance orphan = new NestedVirtInstance();
    orphan.setMetadata(
        new ObjectMetaBuilder()
            .withName("vanished-abcde")
            .withLabels(Map.of("nestedvirt.io/pool", "vanished"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("nestedvirt.io/v1alpha1")
                    .withKind("NestedVirtPool")
                    .withName("vanished")
                    .withUid("uid-of-a-deleted-pool")
                    .withController(true)
                    .build())
            .build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = bed.network.subnetIds().get(0);
    spec.zone = "us-east-1a";
    spec.capacityType = io.nestedvirt.operator.api.v1alpha1.CapacityType.ON_DEMAND;
    spec.launchSettingsHash = "0000000000000000";
    orphan.setSpec(spec);
    bed.client().resource(orphan).create();
    // Let the collector see the orphan first; the grace period runs from then.
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(bed.machine("vanished-abcde")).isNotNull();

    bed.clock.advance(Duration.ofMinutes(6));

    await().atMost(Duration.ofSeconds(30)).until(() -> bed.machine("vanished-abcde") == null);
    assertThat(bed.ec2.calls("RunInstances"))
        .as("nothing launched for a pool that is gone")
        .isZero();
  }

  @Test
  void aMachineWhoseInstanceWasTerminatedOutsideTheOperatorIsReplacedAtOnce() {
    bed.startOperator();
    bed.createPool("outside", 1, "m8i.large");
    bed.awaitReady("outside", 1);
    String first = bed.readyInstances("outside").iterator().next();

    bed.sdk.terminateInstances(r -> r.instanceIds(first));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.readyInstances("outside").size() == 1
                    && !bed.readyInstances("outside").contains(first));
    assertThat(bed.events("outside"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(first) && m.contains("InstanceTerminated"));
  }

  private InstanceState stateOf(String id) {
    return bed.ec2.instances().stream()
        .filter(i -> i.id().equals(id))
        .map(EmulatedInstance::state)
        .findFirst()
        .orElse(InstanceState.TERMINATED);
  }
}
