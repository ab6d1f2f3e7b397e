package io.nestedvirt.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.Vms;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdleNodesTest {
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
  private static final Node NODE =
      new NodeBuilder().withNewMetadata().withName("n").endMetadata().build();

  @Test
  void daemonSetMirrorAndFinishedPodsLeaveANodeIdle() {
    assertThat(
            IdleNodes.runsNothing(
                NODE, List.of(daemonSetPod(false), mirrorPod(), finishedPod()), List.of(), T0))
        .isTrue();
    assertThat(IdleNodes.runsNothing(null, List.of(), List.of(), T0)).isTrue();
  }

  @Test
  void anyPodADrainWouldEvictKeepsItBusy() {
    assertThat(IdleNodes.runsNothing(NODE, List.of(daemonSetPod(false), appPod()), List.of(), T0))
        .isFalse();
  }

  @Test
  void aVmKeepsItBusyWhateverItsPodsLookLike() {
    Vm vm = Vms.movable("vm", 2);
    assertThat(IdleNodes.runsNothing(NODE, List.of(), List.of(vm), T0)).isFalse();
  }

  @Test
  void doNotDisruptOnTheNodeOrOnAPodHoldsIt() {
    Node held =
        new NodeBuilder(NODE)
            .editMetadata()
            .addToAnnotations(DoNotDisrupt.ANNOTATION, "true")
            .endMetadata()
            .build();
    assertThat(IdleNodes.runsNothing(held, List.of(), List.of(), T0)).isFalse();
    assertThat(IdleNodes.runsNothing(NODE, List.of(daemonSetPod(true)), List.of(), T0)).isFalse();
  }

  @Test
  void idleTimeRunsWhileEmptyAndStartsAgainAfterAnyPod() {
    IdleNodes idle = new IdleNodes();
    assertThat(idle.observe("n", true, T0)).isZero();
    assertThat(idle.observe("n", true, T0.plusSeconds(300))).isEqualTo(Duration.ofMinutes(5));
    assertThat(idle.observe("n", false, T0.plusSeconds(301))).isZero();
    assertThat(idle.observe("n", true, T0.plusSeconds(400))).isZero();
    assertThat(idle.observe("n", true, T0.plusSeconds(460))).isEqualTo(Duration.ofMinutes(1));

    idle.busy("n"); // a pod came and went between two looks
    assertThat(idle.observe("n", true, T0.plusSeconds(500))).isZero();
    assertThat(idle.observe("n", true, T0.plusSeconds(560))).isEqualTo(Duration.ofMinutes(1));

    idle.retainOnly(Set.of());
    assertThat(idle.observe("n", true, T0.plusSeconds(900))).as("forgotten").isZero();
  }

  @Test
  void onlyPodsADrainWouldEvictMakeANodeBusy() {
    assertThat(IdleNodes.isWorkload(appPod(), T0)).isTrue();
    assertThat(IdleNodes.isWorkload(daemonSetPod(false), T0)).isFalse();
    assertThat(IdleNodes.isWorkload(mirrorPod(), T0)).isFalse();
    assertThat(IdleNodes.isWorkload(finishedPod(), T0)).isFalse();
  }

  private static Pod appPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("apps")
        .withName("web")
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  private static Pod daemonSetPod(boolean doNotDisrupt) {
    PodBuilder pod =
        new PodBuilder(appPod())
            .editMetadata()
            .withName("agent")
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("DaemonSet")
            .withName("agent")
            .withController(true)
            .endOwnerReference()
            .endMetadata();
    if (doNotDisrupt) {
      pod.editMetadata().addToAnnotations(DoNotDisrupt.ANNOTATION, "true").endMetadata();
    }
    return pod.build();
  }

  private static Pod mirrorPod() {
    return new PodBuilder(appPod())
        .editMetadata()
        .withName("static")
        .addToAnnotations("kubernetes.io/config.mirror", "abc")
        .endMetadata()
        .build();
  }

  private static Pod finishedPod() {
    return new PodBuilder(appPod())
        .editMetadata()
        .withName("job")
        .endMetadata()
        .editStatus()
        .withPhase("Succeeded")
        .endStatus()
        .build();
  }
}
