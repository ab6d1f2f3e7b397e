package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.InstanceState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Drains that end, on the operator in-process against the sandbox's API server (whose Eviction API
 * honours a budget's status as the test writes it), the EC2 emulator and simulated kubelets: a
 * scale-down taken back when replicas rise again, a Node kept until its volumes detach, a pod left
 * behind by a dead kubelet that no longer holds a drain.
 */
class DrainLifecycleTest {
  private static final String NS = "apps";

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void raisingReplicasTakesBackDrainsThatEvictedNothingAndKeepsTheirInstances() {
    bed.startOperator();
    bed.createPool("back", 3, "m8i.large");
    bed.awaitReady("back", 3);
    Map<String, NestedVirtInstance> byNode =
        bed.machines("back").stream()
            .collect(Collectors.toMap(m -> m.getStatus().nodeName, Function.identity()));
    List<String> nodes = byNode.keySet().stream().sorted().toList();
    String keep = nodes.get(0);
    String evicting = nodes.get(1);
    String idle = nodes.get(2);
    // Scale-down takes the Ready nodes with the fewest pods: idle (1 pod), then evicting (2).
    for (int i = 0; i < 3; i++) {
      pod("keep-" + i, keep, "web");
    }
    pod("free", evicting, "web");
    pod("guarded-1", evicting, "db");
    pod("guarded-2", idle, "db");
    budget(0);
    int launchedBefore = bed.ec2.calls("RunInstances");

    bed.scale("back", 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              NestedVirtInstance e = bed.machine(byNode.get(evicting).name());
              NestedVirtInstance i = bed.machine(byNode.get(idle).name());
              assertThat(e.getStatus().phase).isEqualTo("Draining");
              assertThat(e.getStatus().evictedPods).isEqualTo(1);
              assertThat(i.getStatus().phase).isEqualTo("Draining");
              assertThat(draining(i)).contains("blocked by PodDisruptionBudget db");
              assertThat(cordoned(evicting)).isTrue();
              assertThat(cordoned(idle)).isTrue();
            });
    assertThat(bed.client().pods().inNamespace(NS).withName("free").get())
        .as("evicted from the node whose drain is not taken back")
        .isNull();
    assertThat(bed.pool("back").getStatus().replicas).as("victims count as leaving").isEqualTo(1);

    bed.scale("back", 3);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              NestedVirtInstance i = bed.machine(byNode.get(idle).name());
              assertThat(i.isScaleDownVictim()).isFalse();
              assertThat(i.getStatus().phase).isEqualTo("Ready");
              assertThat(cordoned(idle)).as("node %s uncordoned", idle).isFalse();
              assertThat(bed.pool("back").getStatus().readyReplicas).isEqualTo(3);
            });
    assertThat(bed.ec2.calls("RunInstances") - launchedBefore)
        .as("one launch, for the drain that had evicted a pod; none for the one taken back")
        .isEqualTo(1);
    NestedVirtInstance stillLeaving = bed.machine(byNode.get(evicting).name());
    assertThat(stillLeaving.isScaleDownVictim())
        .as("a drain that evicted a pod is not taken back")
        .isTrue();
    assertThat(bed.readyInstances("back"))
        .contains(byNode.get(keep).instanceId(), byNode.get(idle).instanceId());
    assertThat(bed.events("back"))
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ScaleDownCancelled"));

    budget(1);
    bed.awaitReady("back", 3);
    assertThat(bed.machine(byNode.get(evicting).name())).isNull();
    assertThat(bed.liveInstances("back"))
        .extracting(i -> i.id())
        .doesNotContain(byNode.get(evicting).instanceId())
        .contains(byNode.get(idle).instanceId());
    assertThat(bed.ec2.calls("RunInstances") - launchedBefore).isEqualTo(1);
  }

  @Test
  void theNodeOfATerminatedInstanceStaysWhileAVolumeAttachmentNamesIt() {
    String node = readyPoolOfOneKeepingItsNode("vol");
    VolumeAttachment attachment = bed.client().resource(attachment("csi-data", node)).create();

    NestedVirtInstance machine = bed.machines("vol").getFirst();
    bed.scale("vol", 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(volumesDetached(machine.name()))
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.status).isEqualTo("False");
                          assertThat(c.reason).isEqualTo("AwaitingVolumeDetach");
                          assertThat(c.message)
                              .contains("waiting for volume pv-data to detach from node " + node);
                        }));
    assertThat(bed.ec2.instances())
        .filteredOn(i -> i.id().equals(machine.instanceId()))
        .singleElement()
        .satisfies(
            i -> assertThat(i.state()).isIn(InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED));
    assertThat(bed.client().nodes().withName(node).get()).isNotNull();

    bed.client().resource(attachment).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.client().nodes().withName(node).get() == null
                    && bed.machine(machine.name()) == null);
    assertThat(
            bed.api.takeRequests().stream()
                .filter(r -> r.startsWith("GET /apis/storage.k8s.io/v1/volumeattachments"))
                .filter(r -> !r.contains("watch=true"))
                .count())
        .as("the wait reads the informer's cache: one LIST when it started, none while waiting")
        .isEqualTo(1);
  }

  @Test
  void afterSixMinutesTheNodeGoesAnywayAndAnEventNamesTheVolumesLeft() {
    String node = readyPoolOfOneKeepingItsNode("stuck-vol");
    bed.client().resource(attachment("csi-data", node)).create();
    NestedVirtInstance machine = bed.machines("stuck-vol").getFirst();
    bed.scale("stuck-vol", 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                volumesDetached(machine.name()).filter(c -> "False".equals(c.status)).isPresent());

    bed.clock.advance(Duration.ofMinutes(5));
    assertThat(bed.client().nodes().withName(node).get())
        .as("5 minutes in, still waiting")
        .isNotNull();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(bed.machine(machine.name())).isNotNull());

    bed.clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.client().nodes().withName(node).get() == null
                    && bed.machine(machine.name()) == null);
    assertThat(bed.eventsWithMachines("stuck-vol"))
        .filteredOn(e -> "VolumesNotDetached".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains(node).contains("pv-data"));
  }

  @Test
  void aPodLeftTerminatingOnANodeThatIsNotReadyNoLongerHoldsTheDrain() {
    bed.startOperator();
    bed.createPool("orphan", 1, "m8i.large");
    bed.awaitReady("orphan", 1);
    NestedVirtInstance machine = bed.machines("orphan").getFirst();
    String node = machine.getStatus().nodeName;
    bed.client()
        .resource(
            new PodBuilder(OperatorTestbed.runningPod("stuck", node, "web"))
                .editMetadata()
                .addToFinalizers("example.com/hold")
                .endMetadata()
                .build())
        .create();
    bed.client().pods().inNamespace(NS).withName("stuck").delete();
    // Its kubelet is gone: nothing finishes the pod, and the node stops being Ready.
    bed.client()
        .nodes()
        .withName(node)
        .editStatus(
            n -> {
              for (NodeCondition c : n.getStatus().getConditions()) {
                if (c.getType().equals("Ready")) {
                  c.setStatus("Unknown");
                  c.setReason("NodeStatusUnknown");
                }
              }
              return n;
            });

    bed.scale("orphan", 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(draining(bed.machine(machine.name()))).contains("1 terminating"));

    // Past the pod's deadline plus a minute: its kubelet would have finished it by now.
    bed.clock.advance(Duration.ofMinutes(1).plusSeconds(5));
    await().atMost(Duration.ofSeconds(30)).until(() -> bed.machine(machine.name()) == null);
    assertThat(bed.liveInstances("orphan")).isEmpty();
    assertThat(bed.client().pods().inNamespace(NS).withName("stuck").get())
        .as("left for the pod garbage collector, not forced")
        .isNotNull();
  }

  /** A Ready pool of one whose Node the simulated kubelet leaves in place after shutdown. */
  private String readyPoolOfOneKeepingItsNode(String pool) {
    bed.startOperator();
    bed.createPool(pool, 1, "m8i.large");
    bed.awaitReady(pool, 1);
    NestedVirtInstance machine = bed.machines(pool).getFirst();
    bed.kubelets.keepNodeAfterShutdown(machine.instanceId());
    return machine.getStatus().nodeName;
  }

  private Optional<Condition> volumesDetached(String machine) {
    NestedVirtInstance m = bed.machine(machine);
    if (m == null || m.getStatus() == null) {
      return Optional.empty();
    }
    return m.getStatus().conditions.stream()
        .filter(c -> "VolumesDetached".equals(c.type))
        .findFirst();
  }

  private static String draining(NestedVirtInstance m) {
    return m.getStatus().conditions.stream()
        .filter(c -> "Draining".equals(c.type))
        .map(c -> c.message)
        .findFirst()
        .orElse("");
  }

  private boolean cordoned(String node) {
    Node n = bed.client().nodes().withName(node).get();
    return Boolean.TRUE.equals(n.getSpec().getUnschedulable());
  }

  private void pod(String name, String node, String app) {
    bed.client().resource(OperatorTestbed.runningPod(name, node, app)).create();
  }

  /** The budget over app=db, its status as a disruption controller would have written it. */
  private void budget(int allowed) {
    PodDisruptionBudget budget =
        new PodDisruptionBudgetBuilder()
            .withNewMetadata()
            .withNamespace(NS)
            .withName("db")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "db")
            .endSelector()
            .withMaxUnavailable(new IntOrString(allowed))
            .endSpec()
            .withNewStatus()
            .withDisruptionsAllowed(allowed)
            .endStatus()
            .build();
    bed.client().resource(budget).createOr(existing -> existing.update());
    bed.client().resource(budget).updateStatus();
  }

  private static VolumeAttachment attachment(String name, String node) {
    return new VolumeAttachmentBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withAttacher("ebs.csi.aws.com")
        .withNodeName(node)
        .withNewSource()
        .withPersistentVolumeName("pv-data")
        .endSource()
        .endSpec()
        .build();
  }
}
