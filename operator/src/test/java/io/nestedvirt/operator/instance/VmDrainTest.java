package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.Vms;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A drain of a node with KubeVirt VMs: held back by KubeVirt's cluster-wide migration limit and by
 * a lack of room, reported as Migrating while the VMs move (an Event for each), stuck after three
 * failed migrations of one VM, and given a deadline that fits the VMs' memory.
 */
class VmDrainTest {
  private final MockApiServer api = MockApiServer.start();
  private final EventRecorder events =
      new EventRecorder(api.client(), Clock.systemUTC(), OperatorMetrics.prometheus());
  private final RecordingDrains drains = new RecordingDrains();
  private final Vms vms = new Vms();
  private final List<NestedVirtInstance> machines = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, List<Pod>> pods = new HashMap<>();
  private final ClusterCaches caches = new ClusterCaches();
  private final Drain drain;

  private final Vm a = Vms.movable("a", 2);
  private final Vm b = Vms.movable("b", 2);

  VmDrainTest() {
    caches.attachMachines(new IndexedMachines(machines::stream), new ListCache<>(nodes));
    drain = Drains.withVms(drains, events, vms, caches, n -> pods.getOrDefault(n, List.of()));
    drains.next = new NodeDrains.Step(false, "2 pods left; VMIs vms/a, vms/b migrating", 0, 0);
    vms.on("node-1", a, b);
    pods.put(
        "node-1",
        List.of(Vms.launcher(a, "node-1", "2Gi", "1"), Vms.launcher(b, "node-1", "2Gi", "1")));
    serving("p-other", "node-2", "16Gi", "8");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void migrationsAreProgressAndEachMovedVmIsReported() {
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    assertThat(drain.step(m)).isFalse();
    assertThat(drains.drained).containsExactly("node-1");
    assertThat(m.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("Migrating");
    assertThat(m.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("2 VMIs to move (vms/a, vms/b), 0 moved");

    vms.on("node-1", a).on("node-2", b);
    Machine next = again(m, LAUNCHED.plusSeconds(70));
    drain.step(next);
    assertThat(next.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("1 VMI to move (vms/a), 1 moved");
    assertThat(events())
        .filteredOn(e -> e.getReason().equals("VmMigrated"))
        .extracting(Event::getMessage)
        .containsExactly("VMI vms/b moved from node node-1 to node node-2");

    vms.on("node-1").on("node-2", a, b);
    drains.next = new NodeDrains.Step(true, "node node-1 is drained", 0, 0);
    Machine done = again(next, LAUNCHED.plusSeconds(80));
    assertThat(drain.step(done)).isTrue();
    assertThat(events()).filteredOn(e -> e.getReason().equals("VmMigrated")).hasSize(2);
    assertThat(events()).noneMatch(e -> e.getReason().equals("DrainBlocked"));
  }

  @Test
  void noMoreNodesWithVmsDrainThanKubeVirtMigratesAtOnce() {
    for (int i = 1; i <= 3; i++) {
      draining("p-busy-" + i, "busy-" + i);
      vms.on("busy-" + i, Vms.movable("busy-vm-" + i, 1));
    }
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    assertThat(drain.step(m)).isFalse();
    assertThat(drains.drained).as("not cordoned while held").isEmpty();
    assertThat(m.conditions.isFalse(InstanceConditions.DRAINING)).isTrue();
    assertThat(m.conditions.reason(InstanceConditions.DRAINING))
        .isEqualTo("WaitingForMigrationSlot");
    assertThat(m.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("3 nodes with VMs are draining (p-busy-1, p-busy-2, p-busy-3)")
        .contains("allow 3 at once");
    assertThat(m.requeue()).contains(Drain.HELD_STEP);
    assertThat(events()).anyMatch(e -> e.getReason().equals("DrainWaiting"));

    vms.on("busy-2"); // its VMs have moved: the slot is free although it still drains pods
    Machine next = again(m, LAUNCHED.plusSeconds(75));
    drain.step(next);
    assertThat(drains.drained).containsExactly("node-1");
    assertThat(next.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("Migrating");
  }

  @Test
  void aNodeWithoutVmsIsNeverHeldBack() {
    for (int i = 1; i <= 3; i++) {
      draining("p-busy-" + i, "busy-" + i);
      vms.on("busy-" + i, Vms.movable("busy-vm-" + i, 1));
    }
    vms.on("node-1", Vms.unmanaged("scratch"));
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    drain.step(m);
    assertThat(drains.drained).containsExactly("node-1");
    assertThat(m.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("Draining");
  }

  @Test
  void aDrainWaitsForRoomOnThePoolsOtherNodes() {
    nodes.clear();
    machines.clear();
    serving("p-small", "node-2", "3Gi", "8");
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    drain.step(m);
    assertThat(drains.drained).isEmpty();
    assertThat(m.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("WaitingForRoom");
    assertThat(m.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("request 4Gi memory, 2 CPU")
        .contains("node-2 have 3Gi memory, 8 CPU free");

    serving("p-successor", "node-3", "16Gi", "8");
    Machine next = again(m, LAUNCHED.plusSeconds(75));
    drain.step(next);
    assertThat(drains.drained).as("drains once the successor is Ready").containsExactly("node-1");
  }

  @Test
  void aVictimWhoseNodeCameToCarryDoNotDisruptIsNotCordoned() {
    Machine victim = leaving(null, LAUNCHED.plusSeconds(60));
    victim
        .object
        .getMetadata()
        .setAnnotations(Map.of(NestedVirtInstance.SCALE_DOWN_ANNOTATION, LAUNCHED.toString()));
    Pod held = Vms.launcher(a, "node-1", "2Gi", "1");
    held.getMetadata().setAnnotations(Map.of("nestedvirt.io/do-not-disrupt", "true"));
    pods.put("node-1", List.of(held));
    drain.step(victim);
    assertThat(drains.drained).isEmpty();
    assertThat(victim.conditions.isFalse(InstanceConditions.DRAINING)).isTrue();
    assertThat(victim.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("DoNotDisrupt");
    assertThat(victim.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .isEqualTo(
            "pod vms/virt-launcher-a-abcde on node node-1 carries nestedvirt.io/do-not-disrupt:"
                + " \"true\"");

    Machine deleted = leaving(null, LAUNCHED.plusSeconds(60));
    deleted.object.getMetadata().setDeletionTimestamp(LAUNCHED.toString());
    pods.put("node-1", List.of(held, Vms.launcher(b, "node-1", "2Gi", "1")));
    drain.step(deleted);
    assertThat(drains.drained)
        .as("a deletion is not a disruption the operator chose: the annotation does not hold it")
        .containsExactly("node-1");
  }

  @Test
  void threeFailedMigrationsOfOneVmMakeTheDrainStuckNamingIt() {
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    drain.step(m);
    vms.on("node-1", a, Vms.withMigrations(b, 0, 0, 3));
    Machine next = again(m, LAUNCHED.plusSeconds(70));
    drain.step(next);
    assertThat(next.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("DrainStuck");
    assertThat(next.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("the migration of VMI vms/b has failed 3 times");
    assertThat(events()).anyMatch(e -> e.getReason().equals("DrainBlocked"));
  }

  @Test
  void withoutADrainTimeoutTheDeadlineFitsTheVms() {
    vms.on("node-1", Vms.movable("big", 16));
    pods.put("node-1", List.of(Vms.launcher(Vms.movable("big", 16), "node-1", "1Gi", "1")));
    // 150 s x 16 GiB + 150 s = 42m30s: at 15 minutes a 16 GiB VM is still in time.
    Machine m = leaving(null, LAUNCHED.plusSeconds(60));
    drain.step(m);
    Machine later = again(m, LAUNCHED.plusSeconds(60 + 15 * 60));
    drain.step(later);
    assertThat(later.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("Migrating");
    Machine overdue = again(later, LAUNCHED.plusSeconds(60 + 43 * 60));
    drain.step(overdue);
    assertThat(overdue.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("DrainStuck");
    assertThat(overdue.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("longer than drainTimeout 42m30s");

    drain.forget(m.object.uid());
    Machine explicit = leaving("10m", LAUNCHED.plusSeconds(60));
    drain.step(explicit);
    Machine late = again(explicit, LAUNCHED.plusSeconds(60 + 15 * 60));
    drain.step(late);
    assertThat(late.conditions.reason(InstanceConditions.DRAINING))
        .as("a drainTimeout the admin set is kept")
        .isEqualTo("DrainStuck");
  }

  /** The machine leaving: pool "p" (3 replicas), node-1 Ready. */
  private static Machine leaving(String drainTimeout, Instant now) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName("p").withUid("uid-p").build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 3;
    spec.drainTimeout = drainTimeout;
    pool.setSpec(spec);
    Machine launched =
        Machines.launched(
            Machines.instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED), now);
    Machine m = new Machine(launched.object, pool, now);
    m.instance = launched.instance;
    m.node = node("node-1", "16Gi", "8");
    m.status.nodeName = "node-1";
    return m;
  }

  /** The machine as the next reconcile sees it. */
  private static Machine again(Machine m, Instant now) {
    m.object.setStatus(m.finish(InstancePhase.Draining));
    Machine next = new Machine(m.object, m.pool, now);
    next.instance = m.instance;
    next.node = m.node;
    return next;
  }

  /** Another Ready machine of pool "p" on its own node. */
  private void serving(String name, String node, String memory, String cpu) {
    NestedVirtInstance other = Machines.machine(name, "i-" + name);
    other.getStatus().nodeName = node;
    machines.add(other);
    nodes.add(node(node, memory, cpu));
  }

  /** A machine of another pool whose node is draining. */
  private void draining(String name, String node) {
    NestedVirtInstance other = Machines.machine(name, "i-" + name);
    other.getMetadata().setLabels(Map.of("nestedvirt.io/pool", "q"));
    other.getStatus().nodeName = node;
    other.getStatus().conditions =
        List.of(
            new Condition(
                InstanceConditions.DRAINING, "True", "Migrating", "", LAUNCHED.toString(), null));
    machines.add(other);
  }

  private static Node node(String name, String memory, String cpu) {
    return new NodeBuilder(Machines.node(name, "True", LAUNCHED, true))
        .editStatus()
        .withAllocatable(Map.of("memory", new Quantity(memory), "cpu", new Quantity(cpu)))
        .endStatus()
        .build();
  }

  private List<Event> events() {
    return api.client().v1().events().inAnyNamespace().list().getItems();
  }

  /** A cache over a list a test changes. */
  private record ListCache<T extends io.fabric8.kubernetes.api.model.HasMetadata>(List<T> items)
      implements Cache<T> {
    @Override
    public Optional<T> get(ResourceID id) {
      return items.stream().filter(i -> i.getMetadata().getName().equals(id.getName())).findFirst();
    }

    @Override
    public Stream<ResourceID> keys() {
      return items.stream().map(ResourceID::fromResource);
    }

    @Override
    public Stream<T> list(Predicate<T> predicate) {
      return List.copyOf(items).stream().filter(predicate);
    }
  }
}
