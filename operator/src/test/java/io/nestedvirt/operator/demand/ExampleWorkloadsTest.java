package io.nestedvirt.operator.demand;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nestedvirt.operator.node.bootstrap.NodeTaints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The KubeVirt and Kata examples in deploy/examples against the operator's own taint and the
 * add-ons' rules, judged with the scheduler's toleration rule ({@link Tolerations}).
 */
class ExampleWorkloadsTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("repo.root", ".."), "deploy", "examples");
  private static final String POOL_NODE_LABEL = "node-restriction.kubernetes.io/nestedvirt-pool";
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  @Test
  void virtHandlerToleratesTheStartupTaintSoTheDevicePluginModeCanVerifyTheNode()
      throws IOException {
    // With agent.useKubevirtDevicePlugin=true the agent gets /dev/kvm from virt-handler's device
    // plugin, and only the agent's verdict removes the startup taint: virt-handler must run first.
    Map<?, ?> placement =
        map(
            map(map(resource("kubevirt/kubevirt.yaml").getAdditionalProperties().get("spec"))
                    .get("workloads"))
                .get("nodePlacement"));
    PodSpec virtHandler = new PodSpec();
    virtHandler.setTolerations(
        List.of(YAML.convertValue(placement.get("tolerations"), Toleration[].class)));
    assertThat(Tolerations.mismatch(virtHandler, List.of(NodeTaints.startupTaint())))
        .as("KubeVirt CR spec.workloads.nodePlacement.tolerations")
        .isEmpty();
    assertThat(map(placement.get("nodeSelector")))
        .as("virt-handler on the pool's nodes only")
        .containsEntry(POOL_NODE_LABEL, "kubevirt");
  }

  @Test
  void theVirtualMachineWaitsForAVerifiedNode() throws IOException {
    Map<?, ?> template =
        map(
            map(map(resource("kubevirt/virtualmachine.yaml").getAdditionalProperties().get("spec"))
                    .get("template"))
                .get("spec"));
    PodSpec vm = new PodSpec();
    vm.setTolerations(List.of(YAML.convertValue(template.get("tolerations"), Toleration[].class)));
    assertThat(Tolerations.mismatch(vm, List.of(NodeTaints.startupTaint())))
        .as("a VM must not tolerate the startup taint")
        .isPresent();
    assertThat(map(template.get("nodeSelector"))).containsEntry("nestedvirt.io/kvm", "verified");
  }

  @Test
  void kataDeployRunsOnlyOnThePoolAndItsRuntimeClassesAreUsedNotRedefined() throws IOException {
    Map<?, ?> values =
        YAML.unmarshal(
            Files.readString(EXAMPLES.resolve("kata/kata-deploy.values.yaml")), Map.class);
    String pool =
        YAML.unmarshal(Files.readString(EXAMPLES.resolve("kata-pool.yaml")), HasMetadata.class)
            .getMetadata()
            .getName();
    assertThat(map(values.get("nodeSelector")))
        .as("kata-deploy only on the pool's nodes")
        .isEqualTo(Map.of(POOL_NODE_LABEL, pool));
    Map<?, ?> env = map(values.get("env"));
    assertThat(env.get("createRuntimeClasses"))
        .as("kata-deploy creates kata-qemu")
        .isEqualTo("true");
    assertThat(env.get("shims").toString().split(" ")).contains("qemu");

    Pod pod = YAML.unmarshal(Files.readString(EXAMPLES.resolve("kata/pod.yaml")), Pod.class);
    assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo("kata-qemu");
    assertThat(pod.getSpec().getNodeSelector()).containsEntry(POOL_NODE_LABEL, pool);

    try (Stream<Path> files = Files.list(EXAMPLES.resolve("kata"))) {
      assertThat(files.filter(f -> !f.toString().endsWith(".values.yaml")).toList())
          .as("the Kata example defines no RuntimeClass: kata-deploy's own would be overwritten")
          .allSatisfy(
              f ->
                  assertThat(Files.readString(f))
                      .doesNotContainPattern("(?m)^kind:\\s*RuntimeClass"));
    }
  }

  @Test
  void theAutoscalingStandInIsKataDeploysRuntimeClassUnchanged() throws IOException {
    // The sandbox has no kata-deploy, so autoscaling/ carries kata-qemu as kata-deploy ships it:
    // selecting only kata-deploy's label, so applying it where kata-deploy runs changes nothing
    // that matters.
    RuntimeClass standIn =
        YAML.unmarshal(
            Files.readString(EXAMPLES.resolve("autoscaling/kata-runtimeclass.yaml")),
            RuntimeClass.class);
    assertThat(standIn.getHandler()).isEqualTo("kata-qemu");
    assertThat(standIn.getScheduling().getNodeSelector())
        .isEqualTo(Map.of("katacontainers.io/kata-runtime", "true"));
    assertThat(standIn.getScheduling().getTolerations()).isNullOrEmpty();
  }

  private static GenericKubernetesResource resource(String file) throws IOException {
    return YAML.unmarshal(
        Files.readString(EXAMPLES.resolve(file)), GenericKubernetesResource.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }
}
