package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.instance.InstancePhase;
import io.nestedvirt.operator.kubevirt.EvictionStrategy;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScalePlannerTest {
  private final NestedVirtInstance oldReady = machine("old", "i-old", "Ready", 0);
  private final NestedVirtInstance midReady = machine("mid", "i-mid", "Ready", 60);
  private final NestedVirtInstance newReady = machine("new", "i-new", "Ready", 120);
  private final NestedVirtInstance launching = machine("launching", "i-launching", "Launching", 10);
  private final NestedVirtInstance notLaunched = machine("decided", null, "Launching", 200);

  @Test
  void launchesTheMissingMachines() {
    var plan = ScalePlanner.plan(5, List.of(oldReady, midReady), m -> NodeWorkload.NONE);
    assertThat(plan.toLaunch()).isEqualTo(3);
    assertThat(plan.toRemove()).isEmpty();
  }

  @Test
  void aSteadyPoolPlansNothing() {
    var plan = ScalePlanner.plan(2, List.of(oldReady, midReady), m -> NodeWorkload.NONE);
    assertThat(plan.toLaunch()).isZero();
    assertThat(plan.toRemove()).isEmpty();
  }

  @Test
  void scaleDownRemovesMachinesNotLaunchedYetFirstThenThoseNotRunningThenTheNewest() {
    var plan =
        ScalePlanner.plan(
            2,
            List.of(oldReady, newReady, launching, notLaunched, midReady),
            m -> NodeWorkload.NONE);
    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("decided", "launching", "new");
  }

  @Test
  void theAutoscalersIdleNodesGoBeforeNodesStillLaunchingForPendingPods() {
    var plan =
        ScalePlanner.plan(
            2,
            List.of(oldReady, midReady, launching),
            m -> NodeWorkload.NONE,
            new ScalePlanner.Victims(java.util.Set.of("old"), true));

    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("old");
  }

  @Test
  void aScaleDownForIdlenessTakesNoOtherNodeWhenTheIdleOneIsHeld() {
    var plan =
        ScalePlanner.plan(
            1,
            List.of(oldReady, midReady),
            m ->
                m == oldReady
                    ? new NodeWorkload(0, List.of(), List.of("the Node has do-not-disrupt"))
                    : NodeWorkload.NONE,
            new ScalePlanner.Victims(java.util.Set.of("old"), true));

    assertThat(plan.toRemove()).isEmpty();
    assertThat(plan.blocked()).isEqualTo(1);
    assertThat(plan.held()).extracting(h -> h.machine().name()).containsExactly("old");
  }

  @Test
  void aForcedScaleDownTakesIdleNodesFirstThenTheUsualOrder() {
    var plan =
        ScalePlanner.plan(
            1,
            List.of(oldReady, midReady, launching),
            m -> NodeWorkload.NONE,
            new ScalePlanner.Victims(java.util.Set.of("old"), false));

    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("old", "launching");
  }

  @Test
  void scaleToZeroRemovesEverything() {
    var plan = ScalePlanner.plan(0, List.of(oldReady, midReady), m -> NodeWorkload.NONE);
    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactlyInAnyOrder("old", "mid");
  }

  @Test
  void scaleDownRemovesUnjoinedThenUnverifiedThenTheReadyNodeWithFewestPods() {
    NestedVirtInstance joining = machine("joining", "i-joining", "Joining", 0);
    NestedVirtInstance verifying = machine("verifying", "i-verifying", "Verifying", 0);
    NestedVirtInstance busy = machine("busy", "i-busy", "Ready", 500);
    NestedVirtInstance quiet = machine("quiet", "i-quiet", "Ready", 0);
    Map<String, Integer> pods = Map.of("busy", 9, "quiet", 1);
    List<String> asked = new ArrayList<>();

    var plan =
        ScalePlanner.plan(
            1,
            List.of(busy, quiet, verifying, joining),
            m -> {
              asked.add(m.name());
              return pods(pods.getOrDefault(m.name(), 0));
            });

    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("joining", "verifying", "quiet");
    assertThat(asked).as("each node's workload is read once").doesNotHaveDuplicates();
  }

  @Test
  void aNodeThatAVmPinsIsNeverChosenAndTheNextOneGoes() {
    // "new" would go first (newest, no pods): its VM is LiveMigrate but cannot migrate.
    Map<String, NodeWorkload> on =
        Map.of(
            "new", vms(vm("db", EvictionStrategy.LiveMigrate, false, GIB)),
            "mid", pods(3),
            "old", pods(3));

    var plan =
        ScalePlanner.plan(
            2,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("mid");
    assertThat(plan.blocked()).isZero();
    assertThat(plan.held())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.machine().name()).isEqualTo("new");
              assertThat(h.why())
                  .containsExactly(
                      "VMI vms/db is LiveMigrate but not migratable"
                          + " (DisksNotLiveMigratable: PVC data is not shared)");
            });
  }

  @Test
  void aVmThatIsShutDownOrMovedOnEvictionPinsNothing() {
    Map<String, NodeWorkload> on =
        Map.of(
            "new",
                vms(
                    vm("a", EvictionStrategy.LiveMigrateIfPossible, false, GIB),
                    vm("b", EvictionStrategy.None, false, GIB),
                    vm("c", EvictionStrategy.LiveMigrate, true, 0)),
            "mid", pods(3),
            "old", pods(3));

    var plan =
        ScalePlanner.plan(
            2,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("new");
    assertThat(plan.held()).isEmpty();
  }

  @Test
  void aDoNotDisruptPodOrNodeHoldsItsNodeBack() {
    Map<String, NodeWorkload> on =
        Map.of(
            "new", NodeWorkload.of(null, List.of(pod("batch", true, "Running")), List.of()),
            "mid", NodeWorkload.of(node(true), List.of(), List.of()),
            "old", pods(5));

    var plan =
        ScalePlanner.plan(
            1,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove())
        .as("the busiest and oldest node is the only one free to go")
        .extracting(NestedVirtInstance::name)
        .containsExactly("old");
    assertThat(plan.held())
        .extracting(h -> h.machine().name() + ": " + h.why())
        .containsExactly(
            "mid: [the Node has nestedvirt.io/do-not-disrupt]",
            "new: [pod apps/batch has nestedvirt.io/do-not-disrupt]");
  }

  @Test
  void doNotDisruptHoldsOnlyWithTrueAndOnlyOnPodsThatStillRun() {
    NodeWorkload released =
        NodeWorkload.of(
            node(false),
            List.of(
                pod("done", true, "Succeeded"),
                pod("crashed", true, "Failed"),
                pod("other-value", false, "Running"),
                terminating(pod("leaving", true, "Running"))),
            List.of());

    assertThat(released.blockers()).isEmpty();
    assertThat(released.pods()).isEqualTo(4);
  }

  @Test
  void aNodeOrPodsThatCannotBeReadHoldTheNodeRatherThanGuess() {
    Map<String, NodeWorkload> on =
        Map.of("new", NodeWorkload.unreadable("403 forbidden", List.of()), "old", pods(9));

    var plan =
        ScalePlanner.plan(
            1, List.of(oldReady, newReady), m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("old");
    assertThat(plan.held().getFirst().why())
        .containsExactly("its Node or pods could not be read (403 forbidden)");
  }

  @Test
  void theReadyNodeWithTheLeastVmMemoryToMoveGoesFirstWhateverItsPods() {
    Map<String, NodeWorkload> on =
        Map.of(
            "new",
                new NodeWorkload(
                    0, List.of(vm("big", EvictionStrategy.LiveMigrate, true, 8 * GIB)), List.of()),
            "mid",
                new NodeWorkload(
                    7,
                    List.of(
                        vm("small", EvictionStrategy.LiveMigrate, true, GIB),
                        vm("external", EvictionStrategy.External, false, GIB)),
                    List.of()),
            // A VM that is shut down, not moved, costs no migration: this node moves nothing.
            "old",
                new NodeWorkload(
                    9, List.of(vm("killed", EvictionStrategy.None, false, 16 * GIB)), List.of()));

    var plan =
        ScalePlanner.plan(
            2,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));
    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("old");

    plan =
        ScalePlanner.plan(
            0,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));
    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("old", "mid", "new");
  }

  @Test
  void machinesNotReadyYetKeepTheirRankWhateverTheReadyOnesRun() {
    NestedVirtInstance joining = machine("joining", "i-joining", "Joining", 0);
    var plan =
        ScalePlanner.plan(
            1,
            List.of(newReady, joining),
            m ->
                m == newReady
                    ? NodeWorkload.NONE
                    : vms(vm("x", EvictionStrategy.LiveMigrate, true, GIB)));

    assertThat(plan.toRemove()).extracting(NestedVirtInstance::name).containsExactly("joining");
  }

  @Test
  void whenEveryCandidateIsHeldNothingGoesAndThePlanSaysWhatHoldsEachNode() {
    Map<String, NodeWorkload> on =
        Map.of(
            "new", vms(vm("db", EvictionStrategy.LiveMigrate, false, GIB)),
            "mid", NodeWorkload.of(node(true), List.of(pod("batch", true, "Running")), List.of()),
            "old", NodeWorkload.of(null, List.of(pod("ci", true, "Pending")), List.of()));

    var plan =
        ScalePlanner.plan(
            1,
            List.of(oldReady, midReady, newReady),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove()).isEmpty();
    assertThat(plan.toLaunch()).isZero();
    assertThat(plan.blocked()).isEqualTo(2);
    assertThat(plan.blockedMessage())
        .isEqualTo(
            "cannot remove 2 more machine(s): node node-mid (machine mid): the Node has"
                + " nestedvirt.io/do-not-disrupt, pod apps/batch has nestedvirt.io/do-not-disrupt;"
                + " node node-new (machine new): VMI vms/db is LiveMigrate but not migratable"
                + " (DisksNotLiveMigratable: PVC data is not shared); node node-old (machine old):"
                + " pod apps/ci has nestedvirt.io/do-not-disrupt. The scale-down goes on as soon as"
                + " they are released: a VMI becomes migratable or stops, an annotation"
                + " nestedvirt.io/do-not-disrupt is removed");
  }

  @Test
  void aMachineHeldWhileOthersCanGoLeavesOnlyTheRestBlocked() {
    Map<String, NodeWorkload> on =
        Map.of(
            "new", vms(vm("db", EvictionStrategy.LiveMigrate, false, GIB)),
            "mid", pods(1),
            "old", vms(vm("db2", EvictionStrategy.LiveMigrate, false, GIB)));

    var plan =
        ScalePlanner.plan(
            0,
            List.of(oldReady, midReady, newReady, notLaunched),
            m -> on.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("decided", "mid");
    assertThat(plan.blocked()).isEqualTo(2);
    assertThat(plan.held()).extracting(h -> h.machine().name()).containsExactly("new", "old");
  }

  @Test
  void aLongListOfHoldsIsCutShort() {
    List<Pod> many = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      many.add(pod("p" + i, true, "Running"));
    }
    var plan = ScalePlanner.plan(0, List.of(newReady), m -> NodeWorkload.of(null, many, List.of()));

    assertThat(plan.blockedMessage())
        .contains("pod apps/p4 has")
        .doesNotContain("apps/p5")
        .contains("and 3 more");
  }

  @Test
  void aPhaseOnlyANewerOperatorKnowsCountsAsStartingInsteadOfFailingTheReconcile() {
    assertThat(ScalePlanner.phase(machine("newer", "i-1", "Hibernating", 0)))
        .isEqualTo(InstancePhase.Launching);
  }

  private static final long GIB = 1L << 30;

  private static NodeWorkload pods(int count) {
    return new NodeWorkload(count, List.of(), List.of());
  }

  private static NodeWorkload vms(Vm... vms) {
    return new NodeWorkload(vms.length, List.of(vms), List.of());
  }

  private static Vm vm(String name, EvictionStrategy strategy, boolean migratable, long memory) {
    return new Vm(
        "vms",
        name,
        strategy,
        migratable,
        migratable ? "" : "DisksNotLiveMigratable: PVC data is not shared",
        memory,
        false,
        Vm.Migrations.NONE);
  }

  private static Pod pod(String name, boolean doNotDisrupt, String phase) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("apps")
        .withName(name)
        .withAnnotations(Map.of(DoNotDisrupt.ANNOTATION, doNotDisrupt ? "true" : "false"))
        .endMetadata()
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  private static Pod terminating(Pod pod) {
    pod.getMetadata().setDeletionTimestamp("2027-01-15T08:00:00Z");
    return pod;
  }

  private static Node node(boolean doNotDisrupt) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("n")
        .withAnnotations(
            doNotDisrupt ? Map.of(DoNotDisrupt.ANNOTATION, "true") : Map.of("other", "true"))
        .endMetadata()
        .build();
  }

  private static NestedVirtInstance machine(
      String name, String instanceId, String phase, int launchedSecond) {
    NestedVirtInstance m = new NestedVirtInstance();
    Instant at = Instant.ofEpochSecond(1_800_000_000L + launchedSecond);
    m.setMetadata(
        new ObjectMetaBuilder().withName(name).withCreationTimestamp(at.toString()).build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = instanceId;
    status.phase = phase;
    status.launchTime = instanceId == null ? null : at.toString();
    status.nodeName = instanceId == null ? null : "node-" + name;
    m.setStatus(status);
    return m;
  }
}
