package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import io.nestedvirt.sandbox.kubelet.SimulatedInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduling stand-ins without the operator: a Node that the kubelet simulator registers for a
 * c8i.large, with what virt-handler and kata-deploy add once it is verified, is one on which the
 * real kube-scheduler binds a virt-launcher pod; a pod that fits no node gets the scheduler's own
 * {@code PodScheduled=False, Unschedulable}; a DaemonSet's pod is created by the real DaemonSet
 * controller and bound by the scheduler. Runs on a cluster of its own ({@link
 * RealCluster.Components#SCHEDULING}), so the shared stack's pods stay where its tests put them.
 */
class KubeSchedulerE2E {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String NS = "scheduling";

  private static RealCluster cluster;
  private static KubeletSimulator kubelets;
  private static KubernetesClient admin;
  private static String node;

  @BeforeAll
  static void startClusterWithSchedulerAndOneNode() throws IOException {
    E2EEnvironment env = E2EEnvironment.load().loggingInto("kube-scheduler-e2e");
    cluster = new RealCluster(env, RealCluster.Components.SCHEDULING);
    admin = cluster.admin;
    kubelets =
        new KubeletSimulator(
            admin,
            KubeletSimulator.Settings.defaults()
                .withRegistrationDelay(Duration.ZERO)
                .withVerificationDelay(Duration.ZERO)
                .withRetryInterval(Duration.ofMillis(200)));
    SimulatedInstance instance =
        new SimulatedInstance(
            "i-0a1b2c3d4e5f60718",
            "us-east-1a",
            "ip-10-0-1-17.ec2.internal",
            "10.0.1.17",
            "c8i.large",
            "x86_64",
            InstanceState.RUNNING,
            null,
            true,
            2,
            Map.of());
    node = instance.nodeName();
    kubelets.observe(instance);
    await()
        .atMost(PATIENCE)
        .alias("node " + node + " advertises KubeVirt's devices")
        .until(
            () -> admin.nodes().withName(node).get(),
            n -> n != null && allocatable(n, PendingPods.KVM) > 0);
    Workloads.namespace(admin, NS);
  }

  @AfterAll
  static void stop() {
    if (kubelets != null) {
      kubelets.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theStandInNodeAdvertisesWhatVirtHandlerAndKataDeployAdd() {
    Node registered = admin.nodes().withName(node).get();
    assertThat(registered.getMetadata().getLabels())
        .containsEntry(PendingPods.KUBEVIRT_SCHEDULABLE, "true")
        .containsEntry(PendingPods.KATA_RUNTIME, "true")
        .containsEntry(PendingPods.INSTANCE_TYPE, "c8i.large");
    for (String device :
        new String[] {
          PendingPods.KVM, PendingPods.TUN, PendingPods.VHOST_NET, "devices.kubevirt.io/vhost-vsock"
        }) {
      assertThat(allocatable(registered, device)).as(device).isEqualTo(1000);
    }
  }

  @Test
  void theRealSchedulerBindsAVirtLauncherPodToTheNodeThatAdvertisesKvm() {
    Pod launcher =
        admin
            .pods()
            .resource(PendingPods.virtLauncher(NS, "vm-fits", "100m", "1Gi", Map.of()))
            .create();

    Pod bound =
        await()
            .atMost(PATIENCE)
            .alias("virt-launcher-vm-fits bound")
            .until(
                () -> admin.pods().resource(launcher).get(),
                p -> p.getSpec().getNodeName() != null);

    assertThat(bound.getSpec().getNodeName()).isEqualTo(node);
    assertThat(PendingPods.scheduled(bound)).map(PodCondition::getStatus).contains("True");
  }

  @Test
  void aPodThatFitsNowhereIsReportedUnschedulableByTheScheduler() {
    Pod tooBig =
        admin
            .pods()
            .resource(PendingPods.virtLauncher(NS, "vm-too-big", "100m", "64Gi", Map.of()))
            .create();

    Pod refused =
        await()
            .atMost(PATIENCE)
            .alias("virt-launcher-vm-too-big unschedulable")
            .until(() -> admin.pods().resource(tooBig).get(), PendingPods::unschedulable);

    assertThat(refused.getSpec().getNodeName()).isNull();
    assertThat(PendingPods.scheduled(refused).orElseThrow().getMessage())
        .contains("0/1 nodes are available")
        .contains("Insufficient memory");
  }

  @Test
  void aDaemonSetsPodIsCreatedByTheControllerAndBoundByTheScheduler() {
    admin
        .apps()
        .daemonSets()
        .resource(PendingPods.nodeAgent(NS, "agent", "100m", "128Mi"))
        .create();

    Pod agent =
        await()
            .atMost(PATIENCE)
            .alias("the DaemonSet's pod bound")
            .until(
                () -> admin.pods().inNamespace(NS).withLabel("app", "agent").list().getItems(),
                pods -> pods.size() == 1 && pods.getFirst().getSpec().getNodeName() != null)
            .getFirst();

    assertThat(agent.getSpec().getNodeName()).isEqualTo(node);
    assertThat(agent.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("DaemonSet"));
    // Bound by the scheduler through the node affinity the controller sets (since 1.12), not by
    // the controller naming the node.
    assertThat(PendingPods.scheduled(agent)).map(PodCondition::getStatus).contains("True");
    assertThat(agent.getSpec().getAffinity().getNodeAffinity().toString()).contains(node);
  }

  private static long allocatable(Node n, String resource) {
    Quantity q =
        n.getStatus() == null || n.getStatus().getAllocatable() == null
            ? null
            : n.getStatus().getAllocatable().get(resource);
    return q == null ? 0 : q.getNumericalAmount().longValue();
  }
}
