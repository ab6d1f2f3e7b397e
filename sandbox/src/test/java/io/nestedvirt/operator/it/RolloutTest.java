package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling replacement on the operator in-process against the sandbox's API server, the EC2 emulator
 * and simulated kubelets: a pool whose instance types change is replaced one node at a time, each
 * successor Ready before an old node drains; expired nodes are replaced the same way; a node held
 * by {@code nestedvirt.io/do-not-disrupt} stays until it is released.
 */
class RolloutTest {
  private final OperatorTestbed bed = new OperatorTestbed();
  private Watch watch;

  @AfterEach
  void close() {
    if (watch != null) {
      watch.close();
    }
    bed.close();
  }

  @Test
  void changedInstanceTypesReplaceThePoolOneNodeAtATimeNeverBelowItsReadyCount() {
    bed.startOperator();
    bed.createPool("roll", 3, "m8i.large");
    bed.awaitReady("roll", 3);
    Set<String> before = names(bed.machines("roll"));
    List<NestedVirtPoolStatus> history = bed.statusHistory("roll");
    List<Integer> alive = sampleMachines("roll");

    patch("roll", "{\"spec\":{\"instanceTypes\":[\"c8i.large\"]}}");

    awaitRolled("roll", 3, "c8i.large");
    assertThat(names(bed.machines("roll"))).doesNotContainAnyElementsOf(before);
    assertThat(history)
        .as("readyReplicas at every status change")
        .isNotEmpty()
        .allSatisfy(st -> assertThat(st.readyReplicas).isGreaterThanOrEqualTo(3));
    assertThat(alive)
        .as("machines not being deleted, at every change of one: at most 3 + maxSurge 1")
        .allMatch(n -> n <= 4);
    assertThat(bed.events("roll"))
        .filteredOn(e -> "Replacing".equals(e.getReason()))
        .hasSize(3)
        .allSatisfy(
            e ->
                assertThat(e.getMessage())
                    .contains(
                        "drifted: instanceType m8i.large is no longer in spec.instanceTypes"));
    assertThat(reasons("roll")).contains("Drifted", "RolloutComplete");
    NestedVirtPool pool = bed.pool("roll");
    assertThat(pool.getStatus().rollout.replaced).isEqualTo(3);
    assertThat(pool.getStatus().updatedReplicas).isEqualTo(3);
    assertThat(bed.ec2.instances()).as("3 launched, 3 successors, none twice").hasSize(6);
    assertThat(
            bed.metrics
                .registry()
                .get("nestedvirt.nodes.replaced")
                .tags("pool", "roll", "reason", "drifted")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  void nodesOlderThanExpireAfterAreReplacedAndTheirSuccessorsAreNot() {
    bed.startOperator();
    bed.createPool(
        "old",
        2,
        spec -> {
          spec.disruption = new DisruptionSpec();
          spec.disruption.expireAfter = "24h";
        },
        "m8i.large");
    bed.awaitReady("old", 2);
    Set<String> before = names(bed.machines("old"));

    bed.clock.advance(Duration.ofHours(2));
    bed.kubelets.heartbeat();
    patch("old", "{\"spec\":{\"disruption\":{\"expireAfter\":\"1h\"}}}");

    awaitRolled("old", 2, "m8i.large");
    assertThat(names(bed.machines("old"))).doesNotContainAnyElementsOf(before);
    assertThat(bed.events("old"))
        .filteredOn(e -> "Replacing".equals(e.getReason()))
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e.getMessage())
                    .contains("expired: launched 2h")
                    .contains("spec.disruption.expireAfter is 1h"));
    assertThat(bed.pool("old").getStatus().rollout.expired).isZero();
  }

  @Test
  void aDoNotDisruptPodHoldsItsNodeAndThePoolSaysSoUntilItGoes() {
    bed.startOperator();
    bed.createPool("held", 2, "m8i.large");
    bed.awaitReady("held", 2);
    NestedVirtInstance guarded = bed.machines("held").get(0);
    String guardedNode = guarded.getStatus().nodeName;
    bed.client().namespaces().resource(namespace("apps")).create();
    var pod = OperatorTestbed.runningPod("db", guardedNode, "db");
    pod.getMetadata().setAnnotations(java.util.Map.of(DoNotDisrupt.ANNOTATION, "true"));
    bed.client().pods().inNamespace("apps").resource(pod).create();

    patch("held", "{\"spec\":{\"instanceTypes\":[\"c8i.large\"]}}");

    bed.awaitPool(
        "held",
        p ->
            p.getStatus().conditions.stream()
                .anyMatch(
                    c ->
                        c.type.equals("NodesUpToDate")
                            && c.reason.equals("DisruptionBlocked")
                            && c.message.contains("pod apps/db has " + DoNotDisrupt.ANNOTATION)));
    assertThat(bed.machine(guarded.name())).isNotNull();
    assertThat(bed.machine(guarded.name()).isScaleDownVictim()).isFalse();
    assertThat(bed.events("held"))
        .filteredOn(e -> "RolloutWaiting".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains(guarded.name()));
    assertThat(bed.pool("held").getStatus().replicas)
        .as("no successor launched ahead for a node that cannot go")
        .isEqualTo(2);

    bed.client().pods().inNamespace("apps").withName("db").delete();
    awaitRolled("held", 2, "c8i.large");
    assertThat(bed.machine(guarded.name())).isNull();
  }

  @Test
  void anAutoscaledPoolRollsWithoutTakingItsSurgeForDemand() {
    bed.startOperator();
    bed.createPool(
        "auto",
        0,
        spec -> {
          spec.replicas = null;
          spec.autoscaling = new io.nestedvirt.operator.api.v1alpha1.AutoscalingSpec();
          spec.autoscaling.minReplicas = 2;
          spec.autoscaling.maxReplicas = 5;
          spec.autoscaling.scaleDownAfter = "1h";
        },
        "m8i.large");
    bed.awaitReady("auto", 2);
    List<NestedVirtPoolStatus> history = bed.statusHistory("auto");

    patch("auto", "{\"spec\":{\"instanceTypes\":[\"c8i.large\"]}}");

    awaitRolled("auto", 2, "c8i.large");
    assertThat(history)
        .as("desiredReplicas at every status change")
        .isNotEmpty()
        .allSatisfy(st -> assertThat(st.desiredReplicas).isEqualTo(2));
  }

  @Test
  void aClosedWindowHoldsTheRolloutButNotRepairAndTheRolloutRunsWhenItOpens() {
    bed.startOperator();
    // Open for an hour each day, from 3 hours before now: closed now, for about 21 hours.
    java.time.ZonedDateTime opened =
        bed.clock.instant().minus(Duration.ofHours(3)).atZone(java.time.ZoneOffset.UTC);
    String schedule = "0 " + opened.getHour() + " * * *";
    bed.createPool(
        "nightly",
        2,
        spec -> {
          spec.disruption = new DisruptionSpec();
          spec.disruption.schedule = schedule;
          spec.disruption.duration = "1h";
        },
        "m8i.large");
    bed.awaitReady("nightly", 2);
    Set<String> before = names(bed.machines("nightly"));

    patch("nightly", "{\"spec\":{\"instanceTypes\":[\"c8i.large\"]}}");

    bed.awaitPool(
        "nightly",
        p ->
            p.getStatus().conditions.stream()
                .anyMatch(
                    c ->
                        c.type.equals("NodesUpToDate")
                            && c.reason.equals("WindowClosed")
                            && c.message.contains("2 node(s) to replace")
                            && c.message.contains("window \"" + schedule + "\" for 1h: closed")));
    awaitReconciles("nightly", 5);
    assertThat(names(bed.machines("nightly"))).isEqualTo(before);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(bed.machines("nightly"))
                    .as("a drifted node asks new pods and VMs to prefer up-to-date nodes")
                    .allSatisfy(m -> assertThat(hasOutdatedTaint(m)).isTrue()));
    assertThat(bed.machines("nightly")).noneMatch(NestedVirtInstance::isScaleDownVictim);
    assertThat(bed.events("nightly"))
        .filteredOn(e -> "RolloutWaiting".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("opens at"));
    assertThat(bed.condition("nightly", "Ready"))
        .as("a pool waiting for its window has what it asks for")
        .hasValueSatisfying(c -> assertThat(c.status).isEqualTo("True"));

    // Repair ignores the window: a stopped node is replaced after notReadyTimeout, by the
    // pool's current type.
    NestedVirtInstance broken = bed.machines("nightly").get(0);
    bed.ec2.stopInstance(broken.getStatus().instanceId);
    bed.awaitPool("nightly", p -> p.getStatus().readyReplicas == 1);
    passTime(Duration.ofMinutes(16));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                bed.machine(broken.name()) == null
                    && bed.machines("nightly", "Ready").stream()
                        .anyMatch(m -> "c8i.large".equals(m.getSpec().instanceType)));
    assertThat(bed.machines("nightly"))
        .as("the other old node still waits for the window")
        .anyMatch(m -> before.contains(m.name()));

    // The window opens (a minute past its next opening): the rollout runs.
    java.time.Instant opens =
        opened.truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusDays(1).toInstant();
    passTime(Duration.between(bed.clock.instant(), opens.plus(Duration.ofMinutes(1))));
    awaitRolled("nightly", 2, "c8i.large");
    assertThat(names(bed.machines("nightly"))).doesNotContainAnyElementsOf(before);
    assertThat(bed.machines("nightly")).noneMatch(RolloutTest.this::hasOutdatedTaint);
  }

  private boolean hasOutdatedTaint(NestedVirtInstance m) {
    var node = bed.client().nodes().withName(m.getStatus().nodeName).get();
    return node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream()
            .anyMatch(
                t ->
                    io.nestedvirt.operator.node.bootstrap.NodeTaints.OUTDATED_KEY.equals(t.getKey())
                        && "PreferNoSchedule".equals(t.getEffect()));
  }

  /** Moves the shared clock; the kubelets and agents post their heartbeats, as meanwhile. */
  private void passTime(Duration by) {
    bed.clock.advance(by);
    bed.kubelets.heartbeat();
  }

  /** Waits until the pool has been reconciled {@code count} more times. */
  private void awaitReconciles(String pool, int count) {
    long before = reconciles(pool);
    await().atMost(Duration.ofSeconds(30)).until(() -> reconciles(pool) >= before + count);
  }

  private long reconciles(String pool) {
    var timer =
        bed.metrics
            .registry()
            .find("nestedvirt.reconcile.duration")
            .tag(io.nestedvirt.operator.metrics.OperatorMetrics.POOL, pool)
            .timer();
    return timer == null ? 0 : timer.count();
  }

  private void awaitRolled(String pool, int replicas, String type) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              List<NestedVirtInstance> machines = bed.machines(pool);
              NestedVirtPool p = bed.pool(pool);
              return machines.size() == replicas
                  && machines.stream()
                      .allMatch(
                          m ->
                              type.equals(m.getSpec().instanceType)
                                  && m.getStatus() != null
                                  && "Ready".equals(m.getStatus().phase))
                  && p.getStatus().conditions.stream()
                      .anyMatch(
                          c ->
                              c.type.equals("NodesUpToDate")
                                  && c.status.equals("True")
                                  && p.getMetadata().getGeneration().equals(c.observedGeneration))
                  && bed.liveInstances(pool).size() == replicas;
            });
  }

  /** At every change of one of the pool's machines: how many are not being deleted. */
  private List<Integer> sampleMachines(String pool) {
    List<Integer> samples = new CopyOnWriteArrayList<>();
    watch =
        bed.client()
            .resources(NestedVirtInstance.class)
            .withLabel(NestedVirtPool.POOL_LABEL, pool)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, NestedVirtInstance m) {
                    samples.add(
                        (int) bed.machines(pool).stream().filter(x -> !x.isDeleting()).count());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    return samples;
  }

  private void patch(String pool, String json) {
    bed.client()
        .resources(NestedVirtPool.class)
        .withName(pool)
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  private List<String> reasons(String pool) {
    return bed.events(pool).stream().map(Event::getReason).toList();
  }

  private static Set<String> names(List<NestedVirtInstance> machines) {
    return machines.stream().map(NestedVirtInstance::name).collect(Collectors.toSet());
  }

  private static io.fabric8.kubernetes.api.model.Namespace namespace(String name) {
    return new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .build();
  }
}
