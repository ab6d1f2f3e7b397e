package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.nestedvirt.operator.api.v1alpha1.AutoscalingSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pending pods grow an autoscaled pool and idle nodes shrink it, on the operator in-process against
 * the sandbox's API server, the EC2 emulator and simulated kubelets. No scheduler runs here: a test
 * marks pods unschedulable and binds them as kube-scheduler would (the e2e tier runs the real one).
 * An m8i.large offers 1930m of CPU to pods (2 vCPUs less the kubelet's reservation).
 */
class AutoscalingTest {
  private static final String NS = "apps";

  private final OperatorTestbed bed = new OperatorTestbed();
  private final AtomicInteger launches = new AtomicInteger();

  @BeforeEach
  void start() {
    CountingCloud counting = new CountingCloud(bed.aws);
    counting.afterLaunch = launches::incrementAndGet;
    bed.startOperator(c -> counting);
    bed.client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
  }

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void pendingPodsLaunchTheNodesABinPackingNeedsAndASecondBurstUsesTheRoomOnTheirWay() {
    autoscaledPool("grow", 0, 5, "10m");
    for (int i = 0; i < 3; i++) {
      pending("big-" + i, "1200m", Map.of());
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> bed.machines("grow").size() == 3);
    bed.awaitPool("grow", p -> Integer.valueOf(3).equals(p.getStatus().desiredReplicas));
    // A small pod fits beside a big one on a node still on its way: no fourth node.
    pending("small", "500m", Map.of());
    settle();
    assertThat(bed.machines("grow")).hasSize(3);
    // Another big one does not.
    pending("big-3", "1200m", Map.of());
    await().atMost(Duration.ofSeconds(20)).until(() -> bed.machines("grow").size() == 4);
    settle();

    assertThat(bed.machines("grow")).hasSize(4);
    assertThat(launches).as("one RunInstances per node").hasValue(4);
    assertThat(podEvents("big-0")).extracting(Event::getReason).containsExactly("TriggeredScaleUp");
    assertThat(podEvents("big-3")).extracting(Event::getReason).containsExactly("TriggeredScaleUp");
    assertThat(podEvents("small")).as("served by a node on its way").isEmpty();
  }

  @Test
  void aNewNodeIsOfATypeAndInAZoneThatHoldItsPods() {
    autoscaledPool("typed", 0, 3, "10m", "m8i.large", "m8i.2xlarge");
    // 3 CPUs: only the second type holds it; the zone is pinned by a node selector.
    pending("wide", "3", Map.of(), Map.of("topology.kubernetes.io/zone", "us-east-1c"));

    await().atMost(Duration.ofSeconds(20)).until(() -> bed.machines("typed").size() == 1);
    settle();

    assertThat(bed.machines("typed"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getSpec().instanceType).isEqualTo("m8i.2xlarge");
              assertThat(m.getSpec().zone).isEqualTo("us-east-1c");
            });
  }

  @Test
  void podsBeyondMaxReplicasAreToldAndThePoolSaysSo() {
    autoscaledPool("capped", 0, 2, "10m");
    for (int i = 0; i < 3; i++) {
      pending("vm-" + i, "1200m", Map.of());
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> bed.machines("capped").size() == 2);
    bed.awaitPool(
        "capped",
        p ->
            p.getStatus().conditions.stream()
                .anyMatch(
                    c ->
                        c.type.equals("DemandServed")
                            && c.status.equals("False")
                            && c.reason.equals("MaxReplicasReached")
                            && c.message.contains("1 pending pod(s)")
                            && c.message.contains("maxReplicas 2")));
    settle();

    assertThat(bed.machines("capped")).hasSize(2);
    List<Event> told =
        List.of("vm-0", "vm-1", "vm-2").stream().flatMap(n -> podEvents(n).stream()).toList();
    assertThat(told).filteredOn(e -> e.getReason().equals("TriggeredScaleUp")).hasSize(2);
    assertThat(told)
        .filteredOn(e -> e.getReason().equals("NotTriggerScaleUp"))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("capped"));
    assertThat(bed.events("capped")).anyMatch(e -> e.getReason().equals("MaxReplicasReached"));
  }

  @Test
  void aPodNeedingAResourceNoPoolOffersLaunchesNothingAndIsToldWhy() {
    autoscaledPool("nogpu", 0, 3, "10m");
    pending("cuda", "100m", Map.of("nvidia.com/gpu", "1"));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                podEvents("cuda").stream()
                    .anyMatch(e -> e.getReason().equals("NotTriggerScaleUp")));
    settle();

    assertThat(bed.machines("nogpu")).isEmpty();
    assertThat(podEvents("cuda"))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("nvidia.com/gpu"));
    assertThat(bed.pool("nogpu").getStatus().desiredReplicas).isZero();
  }

  @Test
  void nodesIdleForScaleDownAfterGoDownToMinReplicasAndBusyOnesStay() {
    autoscaledPool("idle", 1, 4, "5m");
    for (int i = 0; i < 3; i++) {
      pending("job-" + i, "1200m", Map.of());
    }
    bed.awaitReady("idle", 3);
    List<String> nodes =
        bed.machines("idle").stream().map(m -> m.getStatus().nodeName).sorted().toList();
    for (int i = 0; i < 3; i++) {
      bind("job-" + i, nodes.get(i));
    }
    // Two finish; one keeps running.
    bed.client().pods().inNamespace(NS).withName("job-0").delete();
    bed.client().pods().inNamespace(NS).withName("job-1").delete();
    settle();
    assertThat(bed.machines("idle")).as("not idle for 5m yet").hasSize(3);

    bed.clock.advance(Duration.ofMinutes(6));

    bed.awaitReady("idle", 1);
    assertThat(bed.machines("idle"))
        .extracting(m -> m.getStatus().nodeName)
        .as("the busy node stays")
        .containsExactly(nodes.get(2));
    assertThat(bed.pool("idle").getStatus().desiredReplicas).isEqualTo(1);

    // The last one finishes: the pool keeps minReplicas, idle or not.
    bed.client().pods().inNamespace(NS).withName("job-2").delete();
    settle();
    bed.clock.advance(Duration.ofMinutes(6));
    settle();
    assertThat(bed.machines("idle")).hasSize(1);
    assertThat(bed.pool("idle").getStatus().desiredReplicas).isEqualTo(1);
  }

  private void autoscaledPool(String name, int min, int max, String after, String... types) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.instanceTypes = types.length == 0 ? List.of("m8i.large") : List.of(types);
    spec.autoscaling = new AutoscalingSpec();
    spec.autoscaling.minReplicas = min;
    spec.autoscaling.maxReplicas = max;
    spec.autoscaling.scaleDownAfter = after;
    pool.setSpec(spec);
    bed.client().resource(pool).create();
  }

  /** A pod the scheduler found no node for, as it leaves it. */
  private void pending(String name, String cpu, Map<String, String> extra) {
    pending(name, cpu, extra, Map.of());
  }

  private void pending(
      String name, String cpu, Map<String, String> extra, Map<String, String> nodeSelector) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(NS)
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(nodeSelector)
            .addNewContainer()
            .withName("app")
            .withImage("registry.k8s.io/pause:3.10")
            .withNewResources()
            .addToRequests("cpu", new Quantity(cpu))
            .addToRequests("memory", new Quantity("1Gi"))
            .endResources()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Pending")
            .addToConditions(
                new PodConditionBuilder()
                    .withType("PodScheduled")
                    .withStatus("False")
                    .withReason("Unschedulable")
                    .withMessage("0/0 nodes are available")
                    .build())
            .endStatus();
    extra.forEach(
        (resource, amount) ->
            pod.editSpec()
                .editFirstContainer()
                .editResources()
                .addToRequests(resource, new Quantity(amount))
                .addToLimits(resource, new Quantity(amount))
                .endResources()
                .endContainer()
                .endSpec());
    bed.client().pods().inNamespace(NS).resource(pod.build()).create();
  }

  /** Binds the pod to the node and marks it scheduled, as kube-scheduler does. */
  private void bind(String pod, String node) {
    bed.client()
        .pods()
        .inNamespace(NS)
        .withName(pod)
        .edit(
            p ->
                new PodBuilder(p)
                    .editSpec()
                    .withNodeName(node)
                    .endSpec()
                    .editStatus()
                    .withPhase("Running")
                    .withConditions(
                        new PodConditionBuilder()
                            .withType("PodScheduled")
                            .withStatus("True")
                            .build())
                    .endStatus()
                    .build());
  }

  private List<Event> podEvents(String pod) {
    return bed.client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> pod.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Longer than a batch's maximum: whatever a decision would launch has been launched. */
  private static void settle() {
    try {
      Thread.sleep(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
