package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Unbound pods shaped as the workloads of a nested-virtualization pool are, for the real scheduler
 * to place: KubeVirt's virt-launcher pods, Kata pods with a RuntimeClass, DaemonSets like the node
 * agent.
 */
final class PendingPods {
  static final String KVM = "devices.kubevirt.io/kvm";
  static final String TUN = "devices.kubevirt.io/tun";
  static final String VHOST_NET = "devices.kubevirt.io/vhost-net";
  static final String KUBEVIRT_SCHEDULABLE = "kubevirt.io/schedulable";
  static final String KATA_RUNTIME = "katacontainers.io/kata-runtime";
  static final String INSTANCE_TYPE = "node.kubernetes.io/instance-type";
  static final String KATA_QEMU = "kata-qemu";

  /** kata-deploy's overhead for kata-qemu (deploy/examples/autoscaling/kata-runtimeclass.yaml). */
  static final Map<String, Quantity> KATA_OVERHEAD =
      Map.of("cpu", new Quantity("250m"), "memory", new Quantity("160Mi"));

  private PendingPods() {}

  /**
   * A virt-launcher pod as KubeVirt v1.9's virt-controller makes it for a VM with masquerade
   * networking: {@code cpu} (100m per vCPU at the default allocation ratio of 10, or what the VM
   * requests), the launcher's memory, one each of the KVM, TUN and vhost-net devices that
   * virt-handler's device plugins advertise, and the node selector {@code
   * kubevirt.io/schedulable=true} that virt-handler sets on nodes where it runs. {@code
   * nodeSelector} is the VM's own (the template's), merged in.
   */
  static Pod virtLauncher(
      String ns, String vm, String cpu, String memory, Map<String, String> nodeSelector) {
    Map<String, String> selector = new LinkedHashMap<>(nodeSelector);
    selector.put(KUBEVIRT_SCHEDULABLE, "true");
    Map<String, Quantity> devices = new LinkedHashMap<>();
    for (String device : List.of(KVM, TUN, VHOST_NET)) {
      devices.put(device, new Quantity("1"));
    }
    Map<String, Quantity> requests = new LinkedHashMap<>(devices);
    requests.put("cpu", new Quantity(cpu));
    requests.put("memory", new Quantity(memory));
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName("virt-launcher-" + vm)
        .addToLabels("kubevirt.io", "virt-launcher")
        .addToLabels("vm.kubevirt.io/name", vm)
        .addToAnnotations("kubevirt.io/domain", vm)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withNodeSelector(selector)
        .addNewContainer()
        .withName("compute")
        .withImage("quay.io/kubevirt/virt-launcher:v1.9.0")
        .withNewResources()
        .withRequests(requests)
        .withLimits(devices)
        .endResources()
        .endContainer()
        .endSpec()
        .build();
  }

  /**
   * A pod that runs in a Kata VM: {@code runtimeClassName: kata-qemu}, whose overhead and node
   * selector the API server's RuntimeClass admission copies into the pod.
   */
  static Pod kata(String ns, String name, String cpu, String memory) {
    return plain(ns, name, cpu, memory, Map.of())
        .edit()
        .editSpec()
        .withRuntimeClassName(KATA_QEMU)
        .endSpec()
        .build();
  }

  /** One pause container with these requests and node selector. */
  static Pod plain(
      String ns, String name, String cpu, String memory, Map<String, String> selector) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withNodeSelector(selector)
        .addNewContainer()
        .withName("main")
        .withImage("registry.k8s.io/pause:3.10")
        .withNewResources()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .endResources()
        .endContainer()
        .endSpec()
        .build();
  }

  /** A pod that needs a GPU, which no node of a nested-virtualization pool has. */
  static Pod gpu(String ns, String name) {
    Pod pod = plain(ns, name, "100m", "128Mi", Map.of());
    pod.getSpec()
        .getContainers()
        .getFirst()
        .getResources()
        .setLimits(Map.of("nvidia.com/gpu", new Quantity("1")));
    pod.getSpec()
        .getContainers()
        .getFirst()
        .getResources()
        .getRequests()
        .put("nvidia.com/gpu", new Quantity("1"));
    return pod;
  }

  /**
   * The RuntimeClass kata-deploy installs for QEMU, with its pod overhead and a node selector on
   * the label kata-deploy puts on nodes where it installed the runtime.
   */
  static RuntimeClass kataQemu() {
    return new RuntimeClassBuilder()
        .withNewMetadata()
        .withName(KATA_QEMU)
        .endMetadata()
        .withHandler(KATA_QEMU)
        .withNewOverhead()
        .withPodFixed(KATA_OVERHEAD)
        .endOverhead()
        .withNewScheduling()
        .addToNodeSelector(KATA_RUNTIME, "true")
        .endScheduling()
        .build();
  }

  /**
   * A DaemonSet shaped like a node agent: runs on every node (tolerates every taint), requests
   * {@code cpu} and {@code memory}, and has the built-in {@code system-node-critical} priority, as
   * node agents do, so that its pods are placed before others.
   */
  static DaemonSet nodeAgent(String ns, String name, String cpu, String memory) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withPriorityClassName("system-node-critical")
        .addNewToleration()
        .withOperator("Exists")
        .endToleration()
        .addNewContainer()
        .withName("agent")
        .withImage("registry.k8s.io/pause:3.10")
        .withNewResources()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .endResources()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The pod's {@code PodScheduled} condition, if the scheduler has written one. */
  static Optional<PodCondition> scheduled(Pod pod) {
    return pod.getStatus() == null
        ? Optional.empty()
        : pod.getStatus().getConditions().stream()
            .filter(c -> "PodScheduled".equals(c.getType()))
            .findFirst();
  }

  /** Whether the scheduler reported the pod unschedulable. */
  static boolean unschedulable(Pod pod) {
    return scheduled(pod)
        .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
        .isPresent();
  }

  /** The Events about the pod with this reason, by whoever reported them. */
  static List<Event> events(KubernetesClient client, Pod pod, String reason) {
    return client
        .v1()
        .events()
        .inNamespace(pod.getMetadata().getNamespace())
        .withField("involvedObject.name", pod.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }
}
