package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Running VMs as KubeVirt would leave them, made by the test (a <b>stand-in</b> for virt-controller
 * creating the pod and virt-handler starting the domain): a {@code VirtualMachineInstance} already
 * Running on a node and its virt-launcher pod bound there and reported Ready, labelled and owned as
 * KubeVirt's are, with the memory request KubeVirt computes (guest memory plus its overhead).
 */
final class VirtualMachines {
  private VirtualMachines() {}

  /**
   * What a test chooses of a VM.
   *
   * @param evictionStrategy {@code spec.evictionStrategy}; null to take the KubeVirt CR's
   * @param migratable the {@code LiveMigratable} condition's status
   * @param notMigratableReason the condition's reason when it is False (KubeVirt's, e.g. {@code
   *     DisksNotLiveMigratable})
   * @param guestMemoryMi {@code spec.domain.memory.guest}, in MiB
   */
  record Spec(
      String evictionStrategy, boolean migratable, String notMigratableReason, int guestMemoryMi) {
    static Spec liveMigrate(int guestMemoryMi) {
      return new Spec("LiveMigrate", true, null, guestMemoryMi);
    }

    static Spec pinned(int guestMemoryMi) {
      return new Spec("LiveMigrate", false, "DisksNotLiveMigratable", guestMemoryMi);
    }

    Spec withStrategy(String strategy) {
      return new Spec(strategy, migratable, notMigratableReason, guestMemoryMi);
    }
  }

  /** Creates the VMI running on {@code node} and its Ready virt-launcher pod there. */
  static GenericKubernetesResource create(
      KubernetesClient client, String namespace, String name, String node, Spec spec) {
    Map<String, Object> vmiSpec = new HashMap<>();
    if (spec.evictionStrategy() != null) {
      vmiSpec.put("evictionStrategy", spec.evictionStrategy());
    }
    vmiSpec.put(
        "domain",
        Map.of(
            "devices", Map.of(),
            "memory", Map.of("guest", spec.guestMemoryMi() + "Mi"),
            "resources", Map.of()));
    Map<String, Object> migratable = new HashMap<>();
    migratable.put("type", KubeVirtObjects.LIVE_MIGRATABLE);
    migratable.put("status", spec.migratable() ? "True" : "False");
    if (!spec.migratable()) {
      migratable.put("reason", spec.notMigratableReason());
      migratable.put("message", "cannot migrate VMI: " + spec.notMigratableReason());
    }
    GenericKubernetesResource vmi =
        KubeVirtObjects.vmis(client)
            .inNamespace(namespace)
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("kubevirt.io/v1")
                    .withKind("VirtualMachineInstance")
                    .withNewMetadata()
                    .withNamespace(namespace)
                    .withName(name)
                    .addToLabels(KubeVirtObjects.NODE_NAME_LABEL, node)
                    .endMetadata()
                    .addToAdditionalProperties("spec", vmiSpec)
                    .addToAdditionalProperties(
                        "status",
                        Map.of(
                            "phase",
                            "Running",
                            "nodeName",
                            node,
                            "conditions",
                            List.of(Map.of("type", "Ready", "status", "True"), migratable)))
                    .build())
            .create();
    createLauncherPod(client, vmi, node, null);
    return vmi;
  }

  /**
   * A virt-launcher pod for the VMI bound to {@code node} and reported Ready: the first one, or the
   * target of a migration (same labels, annotation and requests as the source {@code like}).
   */
  static Pod createLauncherPod(
      KubernetesClient client, GenericKubernetesResource vmi, String node, Pod like) {
    String namespace = vmi.getMetadata().getNamespace();
    String vmiName = vmi.getMetadata().getName();
    Container compute =
        like != null
            ? like.getSpec().getContainers().getFirst()
            : new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("compute")
                .withImage("quay.io/kubevirt/virt-launcher:v1.9.0")
                .withNewResources()
                .addToRequests("memory", new Quantity(launcherMemoryMi(vmi) + "Mi"))
                .addToRequests("cpu", new Quantity("100m"))
                .endResources()
                .build();
    Pod pod =
        client
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace(namespace)
                    .withName(KubeVirtObjects.LAUNCHER + "-" + vmiName + "-" + suffix())
                    .addToLabels(KubeVirtObjects.APP_LABEL, KubeVirtObjects.LAUNCHER)
                    .addToLabels(KubeVirtObjects.CREATED_BY_LABEL, vmi.getMetadata().getUid())
                    .addToAnnotations(KubeVirtObjects.DOMAIN_ANNOTATION, vmiName)
                    .addToOwnerReferences(
                        new OwnerReferenceBuilder()
                            .withApiVersion("kubevirt.io/v1")
                            .withKind("VirtualMachineInstance")
                            .withName(vmiName)
                            .withUid(vmi.getMetadata().getUid())
                            .withController(true)
                            .withBlockOwnerDeletion(true)
                            .build())
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(node)
                    .withAutomountServiceAccountToken(false)
                    .withContainers(compute)
                    .endSpec()
                    .build())
            .create();
    return KubeletStandIn.markReady(client, namespace, pod.getMetadata().getName());
  }

  /**
   * KubeVirt's memory request of a virt-launcher pod with one vCPU: guest memory, its page tables
   * (1/512), and the fixed overheads of the launcher, per vCPU and of the QEMU process.
   */
  private static long launcherMemoryMi(GenericKubernetesResource vmi) {
    String guest =
        KubeVirtObjects.string(vmi, "spec", "domain", "memory", "guest").orElse("1024Mi");
    long guestMi = new Quantity(guest).getNumericalAmount().longValue() / (1024 * 1024);
    return guestMi + guestMi / 512 + 240 + 8 + 40;
  }

  /** The VMI's virt-launcher pod on {@code node} that has not completed, or null. */
  static Pod launcherPod(KubernetesClient client, String namespace, String vmiName, String node) {
    return launcherPods(client, namespace, vmiName).stream()
        .filter(p -> Objects.equals(node, p.getSpec().getNodeName()))
        .filter(p -> !VirtApiEvictionStandIn.isCompleted(p))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .findFirst()
        .orElse(null);
  }

  /** Every virt-launcher pod of the VMI, completed ones included. */
  static List<Pod> launcherPods(KubernetesClient client, String namespace, String vmiName) {
    List<Pod> pods = new ArrayList<>();
    for (Pod p :
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(KubeVirtObjects.APP_LABEL, KubeVirtObjects.LAUNCHER)
            .list()
            .getItems()) {
      Map<String, String> annotations = p.getMetadata().getAnnotations();
      if (annotations != null
          && vmiName.equals(annotations.get(KubeVirtObjects.DOMAIN_ANNOTATION))) {
        pods.add(p);
      }
    }
    return pods;
  }

  /** The VMI as the API server has it now (null once deleted). */
  static GenericKubernetesResource vmi(KubernetesClient client, String namespace, String name) {
    return KubeVirtObjects.vmis(client).inNamespace(namespace).withName(name).get();
  }

  /** The sum of the pod's containers' requests of {@code resource}, in base units. */
  static BigDecimal request(Pod pod, String resource) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getResources() != null && c.getResources().getRequests() != null) {
        Quantity q = c.getResources().getRequests().get(resource);
        if (q != null) {
          sum = sum.add(q.getNumericalAmount());
        }
      }
    }
    return sum;
  }

  /** Five lowercase letters and digits, as the generateName of KubeVirt's pods adds. */
  private static String suffix() {
    String chars = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(chars.charAt(ThreadLocalRandom.current().nextInt(chars.length())));
    }
    return s.toString();
  }
}
