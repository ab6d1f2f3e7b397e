package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.Timer;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code nestedvirt.io/do-not-disrupt: "true"} holds a node back from a scale-down, on the operator
 * in-process against the sandbox's API server, the EC2 emulator and simulated kubelets: another
 * node goes in its place, and when every node is held the pool says which and why (one Event per
 * change) and scales down as soon as a hold is released.
 */
class DoNotDisruptTest {
  private static final String NS = "apps";

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aDoNotDisruptPodKeepsItsNodeAndAnotherNodeGoes() {
    bed.startOperator();
    bed.createPool("dnd", 3, "m8i.large");
    bed.awaitReady("dnd", 3);
    Map<String, NestedVirtInstance> byNode = machinesByNode("dnd");
    List<String> nodes = byNode.keySet().stream().sorted().toList();
    String guarded = nodes.get(0);
    // Without the annotation the guarded node, with the fewest pods, would go first.
    pod("guard", guarded, true);
    for (int i = 0; i < 2; i++) {
      pod("web-a" + i, nodes.get(1), false);
      pod("web-b" + i, nodes.get(2), false);
    }

    bed.scale("dnd", 2);
    bed.awaitReady("dnd", 2);

    assertThat(bed.machine(byNode.get(guarded).name()))
        .as("the machine of the held node %s stays", guarded)
        .isNotNull()
        .satisfies(m -> assertThat(m.isScaleDownVictim()).isFalse());
    assertThat(bed.client().pods().inNamespace(NS).withName("guard").get()).isNotNull();
    assertThat(bed.events("dnd"))
        .filteredOn(e -> "ScalingDown".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(byNode.get(guarded).name()));
    assertThat(bed.events("dnd")).noneMatch(e -> "ScaleDownBlocked".equals(e.getReason()));
  }

  @Test
  void whenEveryNodeIsHeldThePoolSaysWhyOncePerChangeAndScalesDownWhenOneIsReleased() {
    bed.startOperator();
    bed.createPool("held", 2, "m8i.large");
    bed.awaitReady("held", 2);
    Map<String, NestedVirtInstance> byNode = machinesByNode("held");
    List<String> nodes = byNode.keySet().stream().sorted().toList();
    String annotatedNode = nodes.get(0);
    String podNode = nodes.get(1);
    annotateNode(annotatedNode, true);
    pod("guard", podNode, true);

    bed.scale("held", 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(bed.condition("held", "Scaled"))
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.status).isEqualTo("False");
                          assertThat(c.reason).isEqualTo("ScaleDownBlocked");
                          assertThat(c.message)
                              .startsWith("cannot remove 1 more machine(s): ")
                              .contains(
                                  "node "
                                      + annotatedNode
                                      + " (machine "
                                      + byNode.get(annotatedNode).name()
                                      + "): the Node has nestedvirt.io/do-not-disrupt")
                              .contains(
                                  "node "
                                      + podNode
                                      + " (machine "
                                      + byNode.get(podNode).name()
                                      + "): pod apps/guard has nestedvirt.io/do-not-disrupt");
                        }));
    awaitReconciles("held", 3);
    assertThat(blockedEvents("held"))
        .as("one Event while the message stays the same, however often the pool is reconciled")
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    assertThat(bed.machines("held")).noneMatch(NestedVirtInstance::isScaleDownVictim);

    pod("guard-2", podNode, true);
    await().atMost(Duration.ofSeconds(30)).until(() -> blockedEvents("held").size() == 2);
    assertThat(blockedEvents("held"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("pod apps/guard-2 has"));

    annotateNode(annotatedNode, false);
    bed.awaitReady("held", 1);
    assertThat(bed.machine(byNode.get(annotatedNode).name())).as("the released node went").isNull();
    assertThat(bed.machine(byNode.get(podNode).name())).as("the held node stayed").isNotNull();
    assertThat(bed.condition("held", "Scaled"))
        .hasValueSatisfying(c -> assertThat(c.reason).isEqualTo("Scaled"));
    assertThat(blockedEvents("held")).hasSize(2);
  }

  private Map<String, NestedVirtInstance> machinesByNode(String pool) {
    return bed.machines(pool).stream()
        .collect(Collectors.toMap(m -> m.getStatus().nodeName, Function.identity()));
  }

  private List<Event> blockedEvents(String pool) {
    return bed.events(pool).stream().filter(e -> "ScaleDownBlocked".equals(e.getReason())).toList();
  }

  /** Waits until the pool has been reconciled {@code count} more times. */
  private void awaitReconciles(String pool, int count) {
    long before = reconciles(pool);
    await().atMost(Duration.ofSeconds(30)).until(() -> reconciles(pool) >= before + count);
  }

  private long reconciles(String pool) {
    Timer timer =
        bed.metrics.registry().find("nestedvirt.reconcile.duration").tag("pool", pool).timer();
    return timer == null ? 0 : timer.count();
  }

  private void annotateNode(String node, boolean doNotDisrupt) {
    bed.client()
        .nodes()
        .withName(node)
        .edit(
            n ->
                doNotDisrupt
                    ? new NodeBuilder(n)
                        .editMetadata()
                        .addToAnnotations(DoNotDisrupt.ANNOTATION, "true")
                        .endMetadata()
                        .build()
                    : new NodeBuilder(n)
                        .editMetadata()
                        .removeFromAnnotations(DoNotDisrupt.ANNOTATION)
                        .endMetadata()
                        .build());
  }

  private void pod(String name, String node, boolean doNotDisrupt) {
    Pod pod = OperatorTestbed.runningPod(name, node, name);
    if (doNotDisrupt) {
      pod.getMetadata().setAnnotations(Map.of(DoNotDisrupt.ANNOTATION, "true"));
    }
    bed.client().resource(pod).create();
  }
}
