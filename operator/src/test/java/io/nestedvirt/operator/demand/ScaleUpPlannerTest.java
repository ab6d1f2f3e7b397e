package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.ZONE_A;
import static io.nestedvirt.operator.demand.Demand.ZONE_B;
import static io.nestedvirt.operator.demand.Demand.cpuPod;
import static io.nestedvirt.operator.demand.Demand.offers;
import static io.nestedvirt.operator.demand.Demand.pod;
import static io.nestedvirt.operator.demand.Demand.pool;
import static io.nestedvirt.operator.demand.Demand.withWorkloads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nestedvirt.operator.api.v1alpha1.Workload;
import io.nestedvirt.operator.demand.ScaleUpPlanner.NewNode;
import io.nestedvirt.operator.demand.ScaleUpPlanner.Plan;
import io.nestedvirt.operator.demand.ScaleUpPlanner.PoolCandidate;
import io.nestedvirt.operator.demand.ScaleUpPlanner.Room;
import io.nestedvirt.operator.demand.ScaleUpPlanner.Unserved;
import io.nestedvirt.operator.demand.ScaleUpPlanner.Why;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScaleUpPlannerTest {

  /** A pool of c8i.xlarge (3920m cpu free) in two zones, with this much headroom. */
  private static PoolCandidate xlarge(String name, int weight, int headroom, Room... inFlight) {
    return new PoolCandidate(
        name,
        weight,
        headroom,
        offers(pool(name, "c8i.xlarge"), List.of(ZONE_A, ZONE_B)),
        List.of(inFlight));
  }

  private static Room room(String machine, String pool) {
    return new Room(machine, offers(pool(pool, "c8i.xlarge"), List.of(ZONE_A)).getFirst());
  }

  private static List<List<String>> podsPerNewNode(Plan plan) {
    return plan.newNodes().stream().map(n -> names(n.pods())).toList();
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(HasMetadata::getMetadata).map(m -> m.getName()).toList();
  }

  private static List<String> unservedNames(Plan plan) {
    return plan.unserved().stream().map(u -> u.pod().getMetadata().getName()).toList();
  }

  @Test
  void firstFitDecreasingPacksThreePodsOfOneAndAHalfCpuIntoTwoNodesOfFour() {
    Plan plan =
        ScaleUpPlanner.plan(
            List.of(cpuPod("a", "1500m"), cpuPod("b", "1500m"), cpuPod("c", "1500m")),
            List.of(xlarge("kvm", 0, 10)));

    assertThat(podsPerNewNode(plan)).containsExactly(List.of("a", "b"), List.of("c"));
    assertThat(plan.unserved()).isEmpty();
  }

  @Test
  void largestPodsGoFirstSoSmallOnesFillTheGaps() {
    // In arrival order first-fit would need three nodes: {1, 1}, {2.9, ...}, {2.9}.
    Plan plan =
        ScaleUpPlanner.plan(
            List.of(
                cpuPod("small-1", "1"),
                cpuPod("small-2", "1"),
                cpuPod("big-1", "2900m"),
                cpuPod("big-2", "2900m")),
            List.of(xlarge("kvm", 0, 10)));

    assertThat(podsPerNewNode(plan))
        .containsExactly(List.of("big-1", "small-1"), List.of("big-2", "small-2"));
  }

  @Test
  void roomOnNodesStillComingIsUsedBeforeNewNodes() {
    List<Pod> burst = List.of(cpuPod("a", "1500m"), cpuPod("b", "1500m"));

    Plan first = ScaleUpPlanner.plan(burst, List.of(xlarge("kvm", 0, 10)));
    assertThat(first.newNodes()).hasSize(1);

    // The node launched for the first burst is still joining when the same pods (and one
    // more) are seen again.
    List<Pod> again = new ArrayList<>(burst);
    again.add(cpuPod("c", "1500m"));
    Plan second =
        ScaleUpPlanner.plan(again, List.of(xlarge("kvm", 0, 9, room("kvm-abcde", "kvm"))));

    assertThat(second.onInFlight()).containsOnlyKeys("kvm-abcde");
    assertThat(names(second.onInFlight().get("kvm-abcde"))).containsExactly("a", "b");
    assertThat(podsPerNewNode(second))
        .as("only the pod the joining node has no room for gets a new node")
        .containsExactly(List.of("c"));
  }

  @Test
  void headroomStopsAtMaxReplicasAndTheRestAreUnserved() {
    List<Pod> pods = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      pods.add(cpuPod("p" + i, "3"));
    }

    Plan plan = ScaleUpPlanner.plan(pods, List.of(xlarge("kvm", 0, 2)));

    assertThat(plan.newNodes()).hasSize(2);
    assertThat(plan.unserved())
        .extracting(u -> u.pod().getMetadata().getName(), Unserved::why, Unserved::pool)
        .containsExactly(
            tuple("p3", Why.MAX_REPLICAS, "kvm"),
            tuple("p4", Why.MAX_REPLICAS, "kvm"),
            tuple("p5", Why.MAX_REPLICAS, "kvm"));
    assertThat(plan.unserved().getFirst().message())
        .contains("pool kvm fits it but is at autoscaling.maxReplicas");
  }

  @Test
  void theHeaviestPoolThenTheFirstByNameGrows() {
    List<Pod> pods = List.of(cpuPod("a", "1"));

    assertThat(
            ScaleUpPlanner.plan(pods, List.of(xlarge("b", 0, 5), xlarge("a", 0, 5)))
                .newNodes()
                .getFirst()
                .pool())
        .isEqualTo("a");
    assertThat(
            ScaleUpPlanner.plan(
                    pods, List.of(xlarge("b", 0, 5), xlarge("a", 0, 5), xlarge("c", 10, 5)))
                .newNodes()
                .getFirst()
                .pool())
        .isEqualTo("c");
  }

  @Test
  void aPoolAtItsMaximumLetsTheNextPoolServe() {
    Plan plan =
        ScaleUpPlanner.plan(
            List.of(cpuPod("a", "3"), cpuPod("b", "3")),
            List.of(xlarge("heavy", 10, 1), xlarge("light", 0, 5)));

    assertThat(plan.newNodes())
        .extracting(NewNode::pool, n -> names(n.pods()))
        .containsExactly(tuple("heavy", List.of("a")), tuple("light", List.of("b")));
    assertThat(plan.newNodesOf("light")).hasSize(1);
  }

  @Test
  void roomAlreadyComingInALighterPoolIsUsedBeforeANewNodeOfAHeavierOne() {
    Plan plan =
        ScaleUpPlanner.plan(
            List.of(cpuPod("a", "1")),
            List.of(xlarge("heavy", 10, 5), xlarge("light", 0, 5, room("light-xyz", "light"))));

    assertThat(plan.newNodes()).isEmpty();
    assertThat(plan.onInFlight()).containsOnlyKeys("light-xyz");
  }

  @Test
  void aPodTooLargeForTheFirstTypeGetsANodeOfTheSecond() {
    PoolCandidate pool =
        new PoolCandidate(
            "kvm",
            0,
            5,
            offers(pool("kvm", "c8i.large", "c8i.xlarge"), List.of(ZONE_A, ZONE_B)),
            List.of());

    Plan plan = ScaleUpPlanner.plan(List.of(cpuPod("big", "3")), List.of(pool));

    assertThat(plan.newNodes().getFirst().offers())
        .extracting(NodeOffer::instanceType, NodeOffer::zone)
        .containsExactly(tuple("c8i.xlarge", ZONE_A), tuple("c8i.xlarge", ZONE_B));
  }

  @Test
  void aNewNodesOffersNarrowAsPodsJoinIt() {
    PoolCandidate pool =
        new PoolCandidate(
            "kvm",
            0,
            5,
            offers(pool("kvm", "c8i.large", "c8i.xlarge"), List.of(ZONE_A, ZONE_B)),
            List.of());
    Pod pinned =
        new PodBuilder(cpuPod("pinned", "1"))
            .editSpec()
            .addToNodeSelector("topology.kubernetes.io/zone", ZONE_B)
            .endSpec()
            .build();

    Plan alone = ScaleUpPlanner.plan(List.of(cpuPod("first", "1500m")), List.of(pool));
    Plan together = ScaleUpPlanner.plan(List.of(cpuPod("first", "1500m"), pinned), List.of(pool));

    assertThat(alone.newNodes().getFirst().offers()).hasSize(4);
    assertThat(together.newNodes()).hasSize(1);
    assertThat(together.newNodes().getFirst().offers())
        .as("2.5 cpu needs an xlarge, and the pinned pod its zone")
        .extracting(NodeOffer::instanceType, NodeOffer::zone)
        .containsExactly(tuple("c8i.xlarge", ZONE_B));
  }

  @Test
  void aPodNeedingAResourceNoPoolOffersIsNotDemand() {
    Pod gpu = pod("trainer", "cpu", "1", "nvidia.com/gpu", "1").build();
    Pod vm = VirtLauncher.pod("vm-1", "1", 1024);
    PoolCandidate kataOnly =
        new PoolCandidate(
            "kata",
            0,
            5,
            offers(withWorkloads(pool("kata", "c8i.xlarge"), Workload.KATA), List.of(ZONE_A)),
            List.of());

    Plan plan = ScaleUpPlanner.plan(List.of(gpu, vm), List.of(kataOnly));

    assertThat(plan.newNodes()).isEmpty();
    assertThat(plan.unserved())
        .extracting(u -> u.pod().getMetadata().getName(), Unserved::why, Unserved::message)
        .containsExactlyInAnyOrder(
            tuple(
                "trainer",
                Why.RESOURCE_NOT_OFFERED,
                "needs nvidia.com/gpu, which no autoscaled pool's nodes offer; it does not"
                    + " trigger a scale-up"),
            tuple(
                "virt-launcher-vm-1-abcde",
                Why.RESOURCE_NOT_OFFERED,
                "needs devices.kubevirt.io/kvm, which no autoscaled pool's nodes offer; it does"
                    + " not trigger a scale-up"));
  }

  @Test
  void aPodSelectingAZoneThePoolHasNoSubnetInFitsNoPool() {
    Pod elsewhere =
        new PodBuilder(cpuPod("elsewhere", "1"))
            .editSpec()
            .addToNodeSelector("topology.kubernetes.io/zone", "us-east-1d")
            .endSpec()
            .build();

    Plan plan = ScaleUpPlanner.plan(List.of(elsewhere), List.of(xlarge("kvm", 0, 5)));

    assertThat(plan.newNodes()).isEmpty();
    Unserved unserved = plan.unserved().getFirst();
    assertThat(unserved.why()).isEqualTo(Why.NO_POOL_FITS);
    assertThat(unserved.message())
        .isEqualTo(
            "no new node of an autoscaled pool would fit it: pool kvm: node selector"
                + " topology.kubernetes.io/zone=us-east-1d: a new c8i.xlarge in us-east-1a has"
                + " topology.kubernetes.io/zone=us-east-1a");
  }

  @Test
  void whyNoPoolFitsNamesTheNearestMissOfEachPool() {
    PoolCandidate small =
        new PoolCandidate(
            "small", 0, 5, offers(pool("small", "c8i.large"), List.of(ZONE_A, ZONE_B)), List.of());
    Pod pinnedAndLarge =
        new PodBuilder(cpuPod("pinned", "3"))
            .editSpec()
            .addToNodeSelector("topology.kubernetes.io/zone", ZONE_B)
            .endSpec()
            .build();

    Plan plan = ScaleUpPlanner.plan(List.of(pinnedAndLarge), List.of(small));

    assertThat(plan.unserved().getFirst().message())
        .as("zone a misses on its label, zone b only on cpu: b is the nearer miss")
        .endsWith("pool small: needs 3 cpu, a c8i.large offers 1930m");
  }

  @Test
  void virtLaunchersGoToThePoolRunningKubevirtKataPodsToEither() {
    PoolCandidate kata =
        new PoolCandidate(
            "a-kata",
            0,
            5,
            offers(withWorkloads(pool("a-kata", "c8i.xlarge"), Workload.KATA), List.of(ZONE_A)),
            List.of());
    PoolCandidate kvm = xlarge("b-kvm", 0, 5);
    Pod kataPod =
        new PodBuilder(cpuPod("kata", "1"))
            .editSpec()
            .addToNodeSelector("katacontainers.io/kata-runtime", "true")
            .endSpec()
            .build();

    Plan plan =
        ScaleUpPlanner.plan(
            List.of(VirtLauncher.pod("vm-1", "2", 2048), kataPod), List.of(kata, kvm));

    assertThat(plan.newNodes())
        .extracting(NewNode::pool, n -> names(n.pods()))
        .containsExactly(tuple("b-kvm", List.of("virt-launcher-vm-1-abcde", "kata")));
  }

  @Test
  void theSameInputInAnyOrderGivesTheSamePlan() {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pods.add(cpuPod("p" + i, (250 * (1 + i % 7)) + "m"));
      pods.add(VirtLauncher.pod("vm" + i, "1", 512 * (1 + i % 3)));
    }
    List<PoolCandidate> pools =
        List.of(xlarge("a", 0, 8, room("a-1", "a")), xlarge("b", 5, 3), xlarge("c", 0, 4));
    Plan reference = ScaleUpPlanner.plan(pods, pools);

    Random random = new Random(16);
    for (int round = 0; round < 5; round++) {
      List<Pod> shuffled = new ArrayList<>(pods);
      Collections.shuffle(shuffled, random);
      List<PoolCandidate> poolsShuffled = new ArrayList<>(pools);
      Collections.shuffle(poolsShuffled, random);
      Plan plan = ScaleUpPlanner.plan(shuffled, poolsShuffled);
      assertThat(plan).as("round %d", round).isEqualTo(reference);
    }
    assertThat(reference.newNodes())
        .as("more demand than headroom: every pool grows to its max")
        .hasSize(8 + 3 + 4);
    assertThat(reference.unserved()).isNotEmpty().allMatch(u -> u.why() == Why.MAX_REPLICAS);
  }
}
