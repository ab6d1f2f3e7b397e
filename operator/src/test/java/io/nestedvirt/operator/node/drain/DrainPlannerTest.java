package io.nestedvirt.operator.node.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.Vms;
import io.nestedvirt.operator.node.drain.DrainPlanner.Action;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainPlannerTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

  @Test
  void podsOfReplicaSetsAndBarePodsAreEvicted() {
    assertThat(decide(pod("web-1").withOwner("ReplicaSet", "web", true)).action())
        .isEqualTo(Action.EVICT);
    assertThat(decide(pod("bare")).action()).isEqualTo(Action.EVICT);
  }

  @Test
  void aForcedDrainNeverDeletesTheLauncherOfAVmThatMovesOrCouldMove() {
    Vm movable = Vms.movable("web", 4);
    Vm migrating = Vms.withMigrations(Vms.unmanaged("batch"), 1, 0, 0);
    Vm pinned = Vms.pinned("db");
    Vm unmanaged = Vms.unmanaged("scratch");
    Map<String, Vm> vms =
        Map.of(
            movable.key(), movable,
            migrating.key(), migrating,
            pinned.key(), pinned,
            unmanaged.key(), unmanaged);
    DrainPlanner.Decision forMovable =
        DrainPlanner.decide(Vms.launcher(movable, "n1", "4Gi", "1"), true, true, NOW, vms);
    assertThat(forMovable.action()).isEqualTo(Action.EVICT);
    assertThat(forMovable.reason()).contains("VMI vms/web, which can migrate");
    assertThat(
            DrainPlanner.decide(Vms.launcher(migrating, "n1", "1Gi", "1"), true, true, NOW, vms)
                .action())
        .as("a VM being evacuated is not killed, whatever its strategy")
        .isEqualTo(Action.EVICT);
    assertThat(
            DrainPlanner.decide(Vms.launcher(pinned, "n1", "1Gi", "1"), true, true, NOW, vms)
                .action())
        .as("a VM that cannot move goes with a forced drain")
        .isEqualTo(Action.DELETE);
    assertThat(
            DrainPlanner.decide(Vms.launcher(unmanaged, "n1", "1Gi", "1"), true, true, NOW, vms)
                .action())
        .isEqualTo(Action.DELETE);
    assertThat(
            DrainPlanner.decide(Vms.launcher(movable, "n1", "4Gi", "1"), true, true, NOW, Map.of())
                .action())
        .as("a launcher pod whose VMI is unknown is an ordinary pod")
        .isEqualTo(Action.DELETE);
  }

  @Test
  void daemonSetPodsAreSkippedAndDoNotBlockTheDrain() {
    DrainPlanner.Decision decision = decide(pod("proxy-x").withOwner("DaemonSet", "proxy", true));
    assertThat(decision.action()).isEqualTo(Action.SKIP);
    assertThat(decision.reason()).isEqualTo("owned by DaemonSet proxy");
    assertThat(decision.action().blocksDrain()).isFalse();
  }

  @Test
  void aDaemonSetThatIsNotTheControllerDoesNotMakeThePodADaemonSetPod() {
    assertThat(decide(pod("p").withOwner("DaemonSet", "ds", false)).action())
        .isEqualTo(Action.EVICT);
  }

  @Test
  void aDaemonSetKindOutsideTheAppsGroupIsNotADaemonSet() {
    Pod pod =
        new PodBuilder(pod("p").withOwner("DaemonSet", "ds", true).build())
            .editMetadata()
            .editFirstOwnerReference()
            .withApiVersion("example.com/v1")
            .endOwnerReference()
            .endMetadata()
            .build();
    assertThat(DrainPlanner.decide(pod, false, true, NOW).action()).isEqualTo(Action.EVICT);
  }

  @Test
  void mirrorPodsAreSkipped() {
    DrainPlanner.Decision decision =
        decide(pod("etcd-node").withAnnotation(DrainPlanner.MIRROR_ANNOTATION, "abc"));
    assertThat(decision.action()).isEqualTo(Action.SKIP);
    assertThat(decision.reason()).isEqualTo("mirror of a static pod");
  }

  @Test
  void finishedPodsAreSkipped() {
    assertThat(decide(pod("job-1").withPhase("Succeeded")).action()).isEqualTo(Action.SKIP);
    assertThat(decide(pod("job-2").withPhase("Failed")).reason()).isEqualTo("finished (Failed)");
    assertThat(decide(pod("job-3").withPhase("Running")).action()).isEqualTo(Action.EVICT);
  }

  @Test
  void terminatingPodsAreAwaitedAndStillBlockTheDrain() {
    DrainPlanner.Decision decision = decide(pod("web-1").deletedAt("2026-11-26T09:59:50Z"));
    assertThat(decision.action()).isEqualTo(Action.AWAIT_TERMINATION);
    assertThat(decision.action().blocksDrain()).isTrue();
  }

  @Test
  void forcedDrainDeletesInsteadOfEvicting() {
    assertThat(DrainPlanner.decide(pod("web-1").build(), true, true, NOW).action())
        .isEqualTo(Action.DELETE);
  }

  @Test
  void forcedDrainStillLeavesDaemonSetMirrorAndFinishedPodsAlone() {
    List<DrainPlanner.Decision> plan =
        DrainPlanner.plan(
            List.of(
                pod("ds").withOwner("DaemonSet", "ds", true).build(),
                pod("mirror").withAnnotation(DrainPlanner.MIRROR_ANNOTATION, "x").build(),
                pod("done").withPhase("Succeeded").build()),
            true,
            true,
            NOW);
    assertThat(plan).extracting(DrainPlanner.Decision::action).containsOnly(Action.SKIP);
  }

  @Test
  void forcedDrainDeletesAtOnceOnlyTerminatingPodsLongPastTheirDeadline() {
    Instant deadline = NOW.minus(DrainPlanner.OVERDUE_AFTER);
    Pod overdue = pod("stuck").deletedAt(deadline.minusSeconds(1).toString()).build();
    Pod justPast = pod("slow").deletedAt(deadline.plusSeconds(1).toString()).build();
    assertThat(DrainPlanner.decide(overdue, true, true, NOW).action()).isEqualTo(Action.DELETE_NOW);
    assertThat(DrainPlanner.decide(justPast, true, true, NOW).action())
        .isEqualTo(Action.AWAIT_TERMINATION);
    assertThat(DrainPlanner.decide(overdue, false, true, NOW).action())
        .as("without force an overdue pod is only waited for")
        .isEqualTo(Action.AWAIT_TERMINATION);
  }

  @Test
  void aPodTerminatingLongPastItsDeadlineOnANodeThatIsNotReadyNoLongerHoldsTheDrain() {
    Instant deadline = NOW.minus(DrainPlanner.ABANDONED_AFTER);
    Pod abandoned = pod("orphan").deletedAt(deadline.minusSeconds(1).toString()).build();
    Pod recent = pod("stopping").deletedAt(deadline.plusSeconds(1).toString()).build();

    DrainPlanner.Decision decision = DrainPlanner.decide(abandoned, false, false, NOW);
    assertThat(decision.action()).isEqualTo(Action.SKIP);
    assertThat(decision.reason()).contains("not Ready").contains("kubelet is gone");
    assertThat(DrainPlanner.decide(abandoned, true, false, NOW).action())
        .as("forced or not: nothing is left to delete, the Node's deletion takes the pod along")
        .isEqualTo(Action.SKIP);
    assertThat(DrainPlanner.decide(recent, false, false, NOW).action())
        .as("within a minute of its deadline a kubelet may still be finishing it")
        .isEqualTo(Action.AWAIT_TERMINATION);
    assertThat(DrainPlanner.decide(abandoned, false, true, NOW).action())
        .as("a Ready node's kubelet is alive and will finish the pod")
        .isEqualTo(Action.AWAIT_TERMINATION);
  }

  @Test
  void anUnreadableDeletionTimestampIsNeverOverdue() {
    Pod pod = pod("odd").deletedAt("yesterday").build();
    assertThat(DrainPlanner.decide(pod, true, true, NOW).action())
        .isEqualTo(Action.AWAIT_TERMINATION);
    assertThat(DrainPlanner.decide(pod, false, false, NOW).action())
        .isEqualTo(Action.AWAIT_TERMINATION);
  }

  @Test
  void planKeepsThePodOrderAndNamesPodsByNamespaceAndName() {
    List<DrainPlanner.Decision> plan =
        DrainPlanner.plan(List.of(pod("b").build(), pod("a").build()), false, true, NOW);
    assertThat(plan).extracting(DrainPlanner.Decision::podKey).containsExactly("ns/b", "ns/a");
  }

  private static DrainPlanner.Decision decide(Pods pods) {
    return DrainPlanner.decide(pods.build(), false, true, NOW);
  }

  private static Pods pod(String name) {
    return new Pods(name);
  }

  /** A small builder for the pod shapes these tests need. */
  private static final class Pods {
    private final PodBuilder builder;

    Pods(String name) {
      builder =
          new PodBuilder()
              .withNewMetadata()
              .withNamespace("ns")
              .withName(name)
              .withUid(name + "-uid")
              .endMetadata()
              .withNewSpec()
              .withNodeName("node-1")
              .endSpec()
              .withNewStatus()
              .withPhase("Running")
              .endStatus();
    }

    Pods withOwner(String kind, String name, boolean controller) {
      builder
          .editMetadata()
          .addNewOwnerReference()
          .withApiVersion("apps/v1")
          .withKind(kind)
          .withName(name)
          .withUid(name + "-uid")
          .withController(controller)
          .endOwnerReference()
          .endMetadata();
      return this;
    }

    Pods withAnnotation(String key, String value) {
      builder.editMetadata().addToAnnotations(key, value).endMetadata();
      return this;
    }

    Pods withPhase(String phase) {
      builder.editStatus().withPhase(phase).endStatus();
      return this;
    }

    Pods deletedAt(String timestamp) {
      builder.editMetadata().withDeletionTimestamp(timestamp).endMetadata();
      return this;
    }

    Pod build() {
      return builder.build();
    }
  }
}
