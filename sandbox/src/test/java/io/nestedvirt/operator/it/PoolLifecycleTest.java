package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.instance.InstanceLifecycle;
import io.nestedvirt.operator.pool.PoolController;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Tag;

/** The core loop, end to end: mock API server, operator, real AWS SDK, EC2 emulator. */
class PoolLifecycleTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void poolOfThreeRunsThreeNestedVirtualizationInstancesWithTheTags() {
    bed.startOperator();
    NestedVirtPool created = bed.createPool("web", 3, "m8i.large");
    NestedVirtPool pool = bed.awaitReady("web", 3);

    List<Instance> described =
        bed
            .sdk
            .describeInstances(
                r ->
                    r.filters(
                        Filter.builder().name("tag:" + Tags.POOL).values("web").build(),
                        Filter.builder().name("instance-state-name").values("running").build()))
            .reservations()
            .stream()
            .map(Reservation::instances)
            .flatMap(List::stream)
            .toList();
    assertThat(described).hasSize(3);
    String uid = created.getMetadata().getUid();
    for (Instance i : described) {
      assertThat(i.cpuOptions().nestedVirtualization())
          .as("EC2 reports nested virtualization on %s", i.instanceId())
          .isEqualTo(NestedVirtualizationSpecification.ENABLED);
      Map<String, String> tags = i.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
      assertThat(tags)
          .containsEntry(Tags.CLUSTER, OperatorTestbed.CLUSTER)
          .containsEntry(Tags.POOL, "web")
          .containsEntry(Tags.POOL_UID, uid)
          .containsEntry("kubernetes.io/cluster/" + OperatorTestbed.CLUSTER, "owned")
          .containsEntry("Name", OperatorTestbed.CLUSTER + "/web");
      assertThat(i.metadataOptions().httpTokens()).isEqualTo(HttpTokensState.REQUIRED);
      assertThat(i.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
    }
    assertThat(described.stream().map(i -> i.placement().availabilityZone()).distinct())
        .as("three instances spread over the three zones")
        .hasSize(3);
    for (EmulatedInstance i : bed.liveInstances("web")) {
      assertThat(i.rootVolume().tags()).containsEntry(Tags.POOL_UID, uid);
      assertThat(i.rootVolume().encrypted()).isTrue();
    }

    assertThat(pool.getMetadata().getFinalizers()).contains(PoolController.FINALIZER);
    assertThat(pool.getStatus().replicas).isEqualTo(3);
    assertThat(pool.getStatus().readyReplicas).isEqualTo(3);
    assertThat(pool.getStatus().selector).isEqualTo("nestedvirt.io/pool=web");
    assertThat(pool.getStatus().phaseCounts).containsEntry("Ready", 3).containsEntry("Failed", 0);
    assertThat(pool.getStatus().instances).as("no instance list in the pool's status").isNull();

    // A registered Node proves its instance runs, so a machine can be Ready while the last
    // listing still said pending; the state it reports follows the next listing.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(bed.machines("web"))
                    .extracting(m -> m.getStatus().state)
                    .containsOnly("running"));
    List<NestedVirtInstance> machines = bed.machines("web");
    assertThat(machines).hasSize(3);
    Map<String, Instance> byId =
        described.stream().collect(Collectors.toMap(Instance::instanceId, i -> i));
    for (NestedVirtInstance m : machines) {
      assertThat(m.getMetadata().getName()).startsWith("web-");
      assertThat(m.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getKind()).isEqualTo("NestedVirtPool");
                assertThat(o.getUid()).isEqualTo(uid);
                assertThat(o.getController()).isTrue();
                assertThat(o.getBlockOwnerDeletion()).isTrue();
              });
      assertThat(m.getMetadata().getFinalizers()).containsExactly(InstanceLifecycle.FINALIZER);
      assertThat(m.getSpec().instanceType).isEqualTo("m8i.large");
      assertThat(m.getSpec().capacityType).isEqualTo(CapacityType.ON_DEMAND);
      assertThat(m.getSpec().launchSettingsHash).hasSize(16);
      assertThat(m.getSpec().instanceId).as("launched, not adopted").isNull();
      var s = m.getStatus();
      assertThat(s.phase).isEqualTo("Ready");
      assertThat(s.state).isEqualTo("running");
      assertThat(s.nestedVirtualization).isEqualTo("enabled");
      assertThat(s.launchTime).isNotNull();
      assertThat(s.nodeName).isNotNull();
      assertThat(s.providerID).isEqualTo("aws:///" + m.getSpec().zone + "/" + s.instanceId);
      Instance ec2 = byId.get(s.instanceId);
      assertThat(ec2).as("EC2 runs the machine's instance %s", s.instanceId).isNotNull();
      assertThat(ec2.clientToken())
          .as("the launch's client token derives from the machine's uid")
          .isEqualTo("nvi-" + m.getMetadata().getUid());
      assertThat(ec2.subnetId()).isEqualTo(m.getSpec().subnetId);
      assertThat(ec2.placement().availabilityZone()).isEqualTo(m.getSpec().zone);
      assertThat(s.conditions)
          .extracting(c -> c.type + "=" + c.status)
          .containsExactly(
              "Ready=True",
              "Launched=True",
              "Registered=True",
              "Verified=True",
              "Healthy=True",
              "Drifted=False");
    }
    assertThat(bed.events("web")).extracting(Event::getReason).contains("ScalingUp");
    assertThat(bed.eventsWithMachines("web"))
        .filteredOn(e -> e.getReason().equals("Launched"))
        .hasSize(3);
  }

  @Test
  void scalingToFiveAndThenToOneConvergesAndKeepsTheOldestInstance() throws Exception {
    bed.startOperator();
    bed.createPool("scale", 3, "m8i.large");
    bed.awaitReady("scale", 3);
    Set<String> first = bed.readyInstances("scale");
    // EC2 launch times have one-second precision; let the next launches be visibly newer.
    Thread.sleep(1100);

    bed.scale("scale", 5);
    bed.awaitReady("scale", 5);
    assertThat(bed.readyInstances("scale")).containsAll(first);

    bed.scale("scale", 1);
    bed.awaitReady("scale", 1);
    Set<String> one = bed.readyInstances("scale");
    assertThat(one).hasSize(1);
    assertThat(first).as("scale-down removes the newest first").containsAll(one);
    await().atMost(Duration.ofSeconds(30)).until(() -> bed.machines("scale").size() == 1);
    assertThat(poolInstancesEverLaunched("scale")).as("no instance launched twice").isEqualTo(5);
  }

  @Test
  void deletingThePoolTerminatesEverythingAndThenRemovesTheFinalizer() {
    bed.startOperator();
    bed.createPool("gone", 2, "c8i.large");
    bed.awaitReady("gone", 2);

    bed.client().resources(NestedVirtPool.class).withName("gone").delete();

    await().atMost(Duration.ofSeconds(30)).until(() -> bed.pool("gone") == null);
    assertThat(bed.machines("gone")).as("the pool's machines went before the pool").isEmpty();
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "gone".equals(i.tags().get(Tags.POOL)))
        .hasSize(2)
        .allSatisfy(
            i -> assertThat(i.state()).isIn(InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED));
  }

  @Test
  void incapableInstanceTypesAreRefusedWithAConditionAnEventAndNoLaunch() {
    bed.startOperator();
    bed.createPool("arm", 2, "m7g.large");
    bed.createPool("old-intel", 2, "m8i.large", "c7i.large");

    bed.awaitPool(
        "arm",
        p -> bed.condition("arm", "Stalled").map(c -> c.status.equals("True")).orElse(false));
    bed.awaitPool(
        "old-intel",
        p -> bed.condition("old-intel", "Stalled").map(c -> c.status.equals("True")).orElse(false));

    var arm = bed.condition("arm", "InstanceTypesValid").orElseThrow();
    assertThat(arm.status).isEqualTo("False");
    assertThat(arm.reason).isEqualTo("IncapableInstanceType");
    assertThat(arm.message).contains("m7g.large (arm64, not x86_64)").contains("Capable types: ");
    var intel = bed.condition("old-intel", "InstanceTypesValid").orElseThrow();
    assertThat(intel.message)
        .contains("c7i.large (processor lacks the nested-virtualization feature)")
        .doesNotContain("m8i.large (");
    assertThat(bed.condition("arm", "Ready").orElseThrow().status).isEqualTo("False");
    assertThat(bed.events("arm")).extracting(Event::getReason).contains("InstanceTypeRefused");
    assertThat(bed.ec2.calls("RunInstances")).as("no launch for a refused pool").isZero();
    assertThat(bed.machines("arm")).as("no machine for a refused pool").isEmpty();
  }

  @Test
  void badInputGetsAConditionThatSaysWhatToFixAndNoInstance() {
    installPoolCrdWithoutBounds();
    bed.startOperator();
    bed.createPool(
        "no-subnet", 1, s -> s.subnets = selector("subnet-0123456789abcdef0"), "m8i.large");
    bed.createPool("no-image", 1, s -> s.image = "ami-0123456789abcdef0", "m8i.large");
    bed.createPool("no-types", 1, s -> s.instanceTypes = List.of());

    awaitStalled("no-subnet");
    awaitStalled("no-image");
    awaitStalled("no-types");

    var subnet = bed.condition("no-subnet", "LaunchConfigValid").orElseThrow();
    assertThat(subnet.reason).isEqualTo("SubnetNotFound");
    assertThat(subnet.message).contains("subnet-0123456789abcdef0");
    var image = bed.condition("no-image", "LaunchConfigValid").orElseThrow();
    assertThat(image.reason).isEqualTo("ImageNotFound");
    assertThat(image.message).contains("ami-0123456789abcdef0").contains("Fix spec.image");
    assertThat(bed.condition("no-types", "SpecValid").orElseThrow().message)
        .startsWith("spec.instanceTypes is empty");
    assertThat(bed.ec2.calls("RunInstances")).isZero();
    assertThat(bed.ec2.instances()).isEmpty();
    assertThat(bed.client().resources(NestedVirtInstance.class).list().getItems()).isEmpty();
  }

  /**
   * The pool CRD without the bounds that refuse a negative count and an empty type list (as on a
   * cluster whose CRD was not upgraded with the operator), so that the operator's own check is what
   * answers them; CrdValidationTest shows the CRD's bounds refusing them.
   */
  private void installPoolCrdWithoutBounds() {
    CustomResourceDefinition crd = EmbeddedApiServer.crd("nestedvirtpools.nestedvirt.io");
    var spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec")
            .getProperties();
    spec.get("replicas").setMinimum(null);
    spec.get("instanceTypes").setMinItems(null);
    bed.api.upgradeCrd(crd);
  }

  @Test
  void throttlingAndACapacityErrorStillConvergeWithoutDuplicates() {
    bed.ec2.throttle("RunInstances", 2);
    bed.ec2.insufficientCapacity("m8i.large", "us-east-1a");
    bed.startOperator();
    bed.createPool("bumpy", 3, "m8i.large", "c8i.large");

    bed.awaitReady("bumpy", 3);

    assertThat(poolInstancesEverLaunched("bumpy")).isEqualTo(3);
    assertThat(bed.machines("bumpy", "Ready"))
        .filteredOn(m -> m.getSpec().zone.equals("us-east-1a"))
        .extracting(m -> m.getSpec().instanceType)
        .as("the zone without m8i capacity got the next type")
        .containsOnly("c8i.large");
    assertThat(bed.eventsWithMachines("bumpy"))
        .extracting(Event::getReason)
        .contains("CapacityFallback", "NodeReplaced");
  }

  @Test
  void restartBetweenLaunchAndStatusWriteCreatesNoDuplicate() {
    // EC2 listings lag behind launches; hide the pool's instances from the operator's listings
    // so that only the machine's client token, repeated to EC2, can prevent a second launch.
    runUntilItsFirstLaunchCrashes("crashy", 3, true, hideAll());
    assertThat(poolInstancesEverLaunched("crashy"))
        .as("the crash came after the first launch call")
        .isPositive();
    assertThat(bed.machines("crashy"))
        .as("the decisions were recorded as machines before launching")
        .hasSize(3)
        .allSatisfy(
            m -> assertThat(m.getStatus() == null ? null : m.getStatus().instanceId).isNull());

    CountingCloud second = new CountingCloud(bed.aws);
    second.listingFilter = hideAll();
    bed.ec2.resetCalls();
    bed.startOperator(cloud -> second);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.machines("crashy").stream()
                    .allMatch(m -> m.getStatus() != null && m.getStatus().instanceId != null));
    second.listingFilter = l -> l;

    bed.awaitReady("crashy", 3);
    assertThat(bed.ec2.calls("RunInstances"))
        .as("the restarted operator repeated the launches it could not see")
        .isGreaterThanOrEqualTo(3);
    assertThat(poolInstancesEverLaunched("crashy"))
        .as("EC2 answered each repeat with the instance of the first call")
        .isEqualTo(3);
  }

  @Test
  void restartBetweenCreatingTheMachineAndCallingEc2LaunchesEachMachineOnce() {
    runUntilItsFirstLaunchCrashes("early", 3, false, l -> l);
    assertThat(bed.machines("early")).hasSize(3);
    assertThat(bed.ec2.calls("RunInstances")).isZero();

    bed.startOperator();
    bed.awaitReady("early", 3);
    assertThat(poolInstancesEverLaunched("early")).isEqualTo(3);
    assertThat(bed.ec2.calls("RunInstances")).as("one call per machine").isEqualTo(3);
  }

  @Test
  void restartFindsALaunchByItsClientTokenWithoutCallingEc2Again() {
    // The crashing operator's listing shows nothing: otherwise it could find the launch by its
    // token and record it in the moments before it is stopped, and the restart would prove nothing.
    runUntilItsFirstLaunchCrashes("listed", 1, true, hideAll());
    assertThat(bed.machines("listed"))
        .singleElement()
        .satisfies(
            m -> assertThat(m.getStatus() == null ? null : m.getStatus().instanceId).isNull());
    bed.ec2.resetCalls();

    bed.startOperator();
    bed.awaitReady("listed", 1);

    assertThat(bed.ec2.calls("RunInstances"))
        .as("the listing shows the launch's instance under the machine's client token")
        .isZero();
    assertThat(poolInstancesEverLaunched("listed")).isEqualTo(1);
  }

  @Test
  void tenPoolsInSteadyStateListInstancesOncePerRefreshAndMutateNothing() throws Exception {
    CountingCloud counting = new CountingCloud(bed.aws);
    counting.describeCalls = () -> bed.ec2.calls("DescribeInstances");
    bed.startOperator(cloud -> counting);
    for (int i = 0; i < 10; i++) {
      bed.createPool("steady-" + i, 2, "m8i.large");
    }
    for (int i = 0; i < 10; i++) {
      bed.awaitReady("steady-" + i, 2);
    }
    Thread.sleep(OperatorTestbed.REFRESH.toMillis() * 3); // let the last status writes settle

    counting.betweenListings(
        () -> {
          bed.ec2.resetCalls();
          bed.api.takeRequests();
          counting.listings.set(0);
          counting.callsPerListing.clear();
        });
    long start = System.nanoTime();
    Thread.sleep(OperatorTestbed.REFRESH.toMillis() * 10);
    long refreshes =
        Duration.ofNanos(System.nanoTime() - start).toMillis() / OperatorTestbed.REFRESH.toMillis();
    int listings = counting.listings.get();
    Map<String, Integer> calls = bed.ec2.callCounts();

    assertThat(listings).as("the inventory refreshed").isPositive();
    assertThat(listings)
        .as("one listing per refresh period for all 10 pools, not one per pool")
        .isLessThanOrEqualTo((int) refreshes + 1);
    // Only the inventory lists instances in steady state, so what a listing adds to the
    // endpoint's count is what that listing cost.
    assertThat(List.copyOf(counting.callsPerListing))
        .as("each listing is exactly one DescribeInstances call")
        .isNotEmpty()
        .containsOnly(1);
    assertThat(calls.keySet())
        .as(
            "steady state makes no other call, mutating or not (without an interruption queue,"
                + " scheduled events are read once per refresh)")
        .containsOnly("DescribeInstances", "DescribeInstanceStatus");
    assertThat(calls.get("DescribeInstanceStatus"))
        .as("one DescribeInstanceStatus per refresh for the cluster, not one per pool")
        .isLessThanOrEqualTo((int) refreshes + 1);
    assertThat(
            bed.api.takeRequests().stream()
                .filter(r -> !r.startsWith("GET "))
                .filter(r -> !r.contains("/leases/"))
                .toList())
        .as("steady state writes nothing to the API server")
        .isEmpty();
  }

  /**
   * Runs the operator until its first RunInstances crashes it, before the call or after EC2 took it
   * (so before the answer could be written into the machine's status), then stops it.
   */
  private void runUntilItsFirstLaunchCrashes(
      String pool,
      int replicas,
      boolean afterTheCall,
      java.util.function.UnaryOperator<List<io.nestedvirt.operator.cloud.Instance>> listing) {
    CountingCloud cloud = new CountingCloud(bed.aws);
    cloud.listingFilter = listing;
    var crashed = new java.util.concurrent.CountDownLatch(1);
    Runnable crash =
        () -> {
          crashed.countDown();
          throw new IllegalStateException(
              "simulated crash " + (afterTheCall ? "after" : "before") + " RunInstances");
        };
    if (afterTheCall) {
      cloud.afterLaunch = crash;
    } else {
      cloud.beforeLaunch = crash;
    }
    bed.startOperator(c -> cloud);
    bed.createPool(pool, replicas, "m8i.large");
    await().atMost(Duration.ofSeconds(30)).until(() -> crashed.getCount() == 0);
    bed.stopOperator();
  }

  private void awaitStalled(String name) {
    bed.awaitPool(
        name, p -> bed.condition(name, "Stalled").map(c -> c.status.equals("True")).orElse(false));
  }

  private static io.nestedvirt.operator.api.v1alpha1.ResourceSelectorSpec selector(String id) {
    return new io.nestedvirt.operator.api.v1alpha1.ResourceSelectorSpec(List.of(id), null);
  }

  private static java.util.function.UnaryOperator<List<io.nestedvirt.operator.cloud.Instance>>
      hideAll() {
    return l -> List.of();
  }

  /** Every instance EC2 ever launched for the pool, whatever its state now. */
  private long poolInstancesEverLaunched(String pool) {
    return bed.ec2.instances().stream().filter(i -> pool.equals(i.tags().get(Tags.POOL))).count();
  }
}
