package io.nestedvirt.sandbox.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PodBinderTest {
  private static final Duration PATIENCE = Duration.ofSeconds(15);

  private EmbeddedApiServer api;
  private KubernetesClient kube;
  private PodBinder binder;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    kube = api.client();
    binder = new PodBinder(kube).start();
  }

  @AfterEach
  void stop() {
    binder.close();
    api.close();
  }

  @Test
  void aPodWithNoNodeAtAllIsUnschedulableAsTheSchedulerSaysIt() {
    create(withRequests("vm", "1", "1Gi"));

    PodCondition condition = awaitUnschedulable("vm");

    assertThat(condition.getMessage()).isEqualTo("no nodes available to schedule pods");
    assertThat(pod("vm").getSpec().getNodeName()).isNull();
    // The Event follows the status write.
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(events("vm"))
                    .extracting(Event::getReason, Event::getType)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("FailedScheduling", "Warning")));
  }

  @Test
  void aPodIsBoundToTheNodeWhereItFitsThroughTheBindingSubresource() {
    kube.nodes().resource(node("small", "500m")).create();
    kube.nodes().resource(node("big", "1930m")).create();

    create(withRequests("vm", "1", "1Gi"));

    Pod bound = awaitBound("vm");
    assertThat(bound.getSpec().getNodeName()).isEqualTo("big");
    assertThat(condition(bound).getStatus())
        .as("the binding sets PodScheduled=True, as kube-apiserver does")
        .isEqualTo("True");
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> assertThat(events("vm")).extracting(Event::getReason).contains("Scheduled"));
  }

  @Test
  void aPodThatNoLongerFitsBesideThoseBoundIsUnschedulableWithEachNodesReason() {
    kube.nodes().resource(node("n1", "1930m")).create();
    kube.nodes()
        .resource(
            new io.fabric8.kubernetes.api.model.NodeBuilder(node("n2", "8"))
                .editMetadata()
                .withLabels(Map.of("dedicated", "other"))
                .endMetadata()
                .build())
        .create();
    create(selecting(withRequests("first", "1", "1Gi")));
    awaitBound("first");

    create(selecting(withRequests("second", "1", "1Gi")));

    assertThat(awaitUnschedulable("second").getMessage())
        .isEqualTo(
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node"
                + " affinity/selector.");
  }

  @Test
  void anUnschedulablePodIsBoundOnceANodeGainsTheDevicesAndLabelItAsksFor() {
    kube.nodes()
        .resource(
            new io.fabric8.kubernetes.api.model.NodeBuilder(node("joining", "1930m"))
                .editMetadata()
                .withLabels(Map.of())
                .endMetadata()
                .build())
        .create();
    Pod vm = withRequests("virt-launcher-vm", "1", "1Gi");
    vm.getSpec()
        .getContainers()
        .getFirst()
        .getResources()
        .getRequests()
        .put("devices.kubevirt.io/kvm", new Quantity("1"));
    vm.getSpec().setNodeSelector(Map.of("kubevirt.io/schedulable", "true"));
    create(vm);
    assertThat(awaitUnschedulable("virt-launcher-vm").getMessage())
        .isEqualTo("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");

    // What virt-handler does once it runs: devices first, then its label.
    kube.nodes()
        .withName("joining")
        .editStatus(
            n -> {
              n.getStatus().getAllocatable().put("devices.kubevirt.io/kvm", new Quantity("1000"));
              return n;
            });
    kube.nodes()
        .withName("joining")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("kubevirt.io/schedulable", "true");
              return n;
            });

    assertThat(awaitBound("virt-launcher-vm").getSpec().getNodeName()).isEqualTo("joining");
  }

  @Test
  void podsOfAnotherSchedulerAreLeftAlone() {
    Pod other = withRequests("other", "1", "1Gi");
    other.getSpec().setSchedulerName("my-scheduler");
    create(other);
    create(withRequests("witness", "1", "1Gi"));

    awaitUnschedulable("witness");

    assertThat(pod("other").getStatus() == null ? null : condition(pod("other"))).isNull();
  }

  // ---- helpers ----

  private static Node node(String name, String cpu) {
    Node node = NodeFitTest.node().editMetadata().withName(name).endMetadata().build();
    node.getStatus().getAllocatable().put("cpu", new Quantity(cpu));
    node.getStatus().setAllocatable(new java.util.HashMap<>(node.getStatus().getAllocatable()));
    return node;
  }

  private static Pod withRequests(String name, String cpu, String memory) {
    return NodeFitTest.pod()
        .editMetadata()
        .withName(name)
        .endMetadata()
        .editSpec()
        .editFirstContainer()
        .withNewResources()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .endResources()
        .endContainer()
        .endSpec()
        .build();
  }

  private static Pod selecting(Pod pod) {
    pod.getSpec().setNodeSelector(Map.of("kubevirt.io/schedulable", "true"));
    return pod;
  }

  private void create(Pod pod) {
    kube.pods().inNamespace("default").resource(pod).create();
  }

  private Pod pod(String name) {
    return kube.pods().inNamespace("default").withName(name).get();
  }

  private java.util.List<Event> events(String pod) {
    return kube.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> pod.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private Pod awaitBound(String name) {
    return await()
        .atMost(PATIENCE)
        .alias(name + " bound")
        .until(() -> pod(name), p -> p.getSpec().getNodeName() != null);
  }

  private PodCondition awaitUnschedulable(String name) {
    return condition(
        await()
            .atMost(PATIENCE)
            .alias(name + " Unschedulable")
            .until(
                () -> pod(name),
                p -> {
                  PodCondition c = p.getStatus() == null ? null : condition(p);
                  return c != null
                      && "False".equals(c.getStatus())
                      && "Unschedulable".equals(c.getReason());
                }));
  }

  private static PodCondition condition(Pod pod) {
    return pod.getStatus().getConditions() == null
        ? null
        : pod.getStatus().getConditions().stream()
            .filter(c -> "PodScheduled".equals(c.getType()))
            .findFirst()
            .orElse(null);
  }
}
