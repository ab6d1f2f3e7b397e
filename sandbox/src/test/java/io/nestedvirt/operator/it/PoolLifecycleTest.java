package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.pool.PoolReconciler;
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

    assertThat(pool.getMetadata().getFinalizers()).contains(PoolReconciler.FINALIZER);
    assertThat(pool.getStatus().replicas).isEqualTo(3);
    assertThat(pool.getStatus().selector).isEqualTo("nestedvirt.io/pool=web");
    assertThat(pool.getStatus().instances)
        .hasSize(3)
        .allSatisfy(
            s -> {
              assertThat(s.state).isEqualTo("running");
              assertThat(s.nestedVirtualization).isEqualTo("enabled");
              assertThat(s.zone).startsWith("us-east-1");
              assertThat(s.launchTime).isNotNull();
            });
    assertThat(bed.events("web")).extracting(Event::getReason).contains("Launched");
  }

  @Test
  void scalingToFiveAndThenToOneConvergesAndKeepsTheOldestInstance() throws Exception {
    bed.startOperator();
    bed.createPool("scale", 3, "m8i.large");
    Set<String> first = ids(bed.awaitReady("scale", 3));
    // EC2 launch times have one-second precision; let the next launches be visibly newer.
    Thread.sleep(1100);

    bed.scale("scale", 5);
    NestedVirtPool five = bed.awaitReady("scale", 5);
    assertThat(ids(five)).containsAll(first);

    bed.scale("scale", 1);
    NestedVirtPool one = bed.awaitReady("scale", 1);
    assertThat(ids(one)).hasSize(1);
    assertThat(first).as("scale-down removes the newest first").containsAll(ids(one));
    assertThat(poolInstancesEverLaunched("scale")).as("no instance launched twice").isEqualTo(5);
  }

  @Test
  void deletingThePoolTerminatesEverythingAndThenRemovesTheFinalizer() {
    bed.startOperator();
    bed.createPool("gone", 2, "c8i.large");
    bed.awaitReady("gone", 2);

    bed.client().resources(NestedVirtPool.class).withName("gone").delete();

    await().atMost(Duration.ofSeconds(30)).until(() -> bed.pool("gone") == null);
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
  }

  @Test
  void badInputGetsAConditionThatSaysWhatToFixAndNoInstance() {
    bed.startOperator();
    bed.createPool(
        "no-subnet", 1, s -> s.subnets = selector("subnet-0123456789abcdef0"), "m8i.large");
    bed.createPool("no-image", 1, s -> s.image = "ami-0123456789abcdef0", "m8i.large");
    bed.createPool("negative", -1, s -> {}, "m8i.large");
    bed.createPool("no-types", 1, s -> s.instanceTypes = List.of());

    awaitStalled("no-subnet");
    awaitStalled("no-image");
    awaitStalled("negative");
    awaitStalled("no-types");

    var subnet = bed.condition("no-subnet", "LaunchConfigValid").orElseThrow();
    assertThat(subnet.reason).isEqualTo("SubnetNotFound");
    assertThat(subnet.message).contains("subnet-0123456789abcdef0");
    var image = bed.condition("no-image", "LaunchConfigValid").orElseThrow();
    assertThat(image.reason).isEqualTo("ImageNotFound");
    assertThat(image.message).contains("ami-0123456789abcdef0").contains("Fix spec.image");
    assertThat(bed.condition("negative", "SpecValid").orElseThrow().message)
        .isEqualTo("spec.replicas must be 0 or more, was -1");
    assertThat(bed.condition("no-types", "SpecValid").orElseThrow().message)
        .startsWith("spec.instanceTypes is empty");
    assertThat(bed.ec2.calls("RunInstances")).isZero();
    assertThat(bed.ec2.instances()).isEmpty();
  }

  @Test
  void throttlingAndACapacityErrorStillConvergeWithoutDuplicates() {
    bed.ec2.throttle("RunInstances", 2);
    bed.ec2.insufficientCapacity("m8i.large", "us-east-1a");
    bed.startOperator();
    bed.createPool("bumpy", 3, "m8i.large", "c8i.large");

    NestedVirtPool pool = bed.awaitReady("bumpy", 3);

    assertThat(poolInstancesEverLaunched("bumpy")).isEqualTo(3);
    assertThat(pool.getStatus().instances)
        .filteredOn(s -> s.zone.equals("us-east-1a"))
        .extracting(s -> s.instanceType)
        .as("the zone without m8i capacity got the next type")
        .containsOnly("c8i.large");
    assertThat(bed.events("bumpy")).extracting(Event::getReason).contains("CapacityFallback");
  }

  @Test
  void restartBetweenLaunchAndStatusWriteCreatesNoDuplicate() {
    // EC2 listings lag behind launches; hide the pool's instances from the operator's listings
    // so that only the launch decision recorded in status can prevent a second launch.
    CountingCloud first = new CountingCloud(bed.aws);
    first.listingFilter = hideAll();
    var crashed = new java.util.concurrent.CountDownLatch(1);
    first.afterLaunch =
        () -> {
          crashed.countDown();
          throw new IllegalStateException("simulated crash after RunInstances");
        };
    bed.startOperator(cloud -> first);
    bed.createPool("crashy", 3, "m8i.large");
    await().atMost(Duration.ofSeconds(30)).until(() -> crashed.getCount() == 0);
    bed.stopOperator();
    assertThat(poolInstancesEverLaunched("crashy"))
        .as("the crash came after the first launch call")
        .isPositive();
    assertThat(bed.pool("crashy").getStatus().pendingLaunches)
        .as("the decision was recorded before launching")
        .isNotEmpty();

    CountingCloud second = new CountingCloud(bed.aws);
    second.listingFilter = hideAll();
    bed.startOperator(cloud -> second);
    bed.awaitPool("crashy", p -> p.getStatus().pendingLaunches.isEmpty());
    second.listingFilter = l -> l;

    bed.awaitReady("crashy", 3);
    assertThat(poolInstancesEverLaunched("crashy")).isEqualTo(3);
  }

  @Test
  void restartFindsARecordedLaunchByItsClientTokenWithoutCallingEc2Again() {
    CountingCloud first = new CountingCloud(bed.aws);
    var crashed = new java.util.concurrent.CountDownLatch(1);
    first.afterLaunch =
        () -> {
          crashed.countDown();
          throw new IllegalStateException("simulated crash after RunInstances");
        };
    bed.startOperator(cloud -> first);
    bed.createPool("listed", 1, "m8i.large");
    await().atMost(Duration.ofSeconds(30)).until(() -> crashed.getCount() == 0);
    bed.stopOperator();
    assertThat(bed.pool("listed").getStatus().pendingLaunches).hasSize(1);
    bed.ec2.resetCalls();

    bed.startOperator();
    bed.awaitReady("listed", 1);

    assertThat(bed.ec2.calls("RunInstances"))
        .as("the listing shows the launch's instance under its client token")
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

    bed.ec2.resetCalls();
    counting.listings.set(0);
    counting.callsPerListing.clear();
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
        .as("steady state makes no other call, mutating or not")
        .containsOnly("DescribeInstances");
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

  /** The pool's instances that count toward its size (status also lists shutting-down ones). */
  private static Set<String> ids(NestedVirtPool pool) {
    return pool.getStatus().instances.stream()
        .filter((InstanceStatus s) -> !s.state.equals("shutting-down"))
        .map(s -> s.id)
        .collect(Collectors.toSet());
  }

  /** Every instance EC2 ever launched for the pool, whatever its state now. */
  private long poolInstancesEverLaunched(String pool) {
    return bed.ec2.instances().stream().filter(i -> pool.equals(i.tags().get(Tags.POOL))).count();
  }
}
