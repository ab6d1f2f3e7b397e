package io.nestedvirt.operator.node.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BootstrapKubeletLabelsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "workload",
        "example.com/team",
        "nestedvirt.io/pool",
        "kubevirt.io/schedulable",
        "kubernetes.io.example.com/x", // only the namespace's suffix counts, not its start
        "kubernetes.io/hostname",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "topology.kubernetes.io/zone",
        "node.kubernetes.io/lifecycle",
        "kubelet.kubernetes.io/anything",
        "team.node.kubernetes.io/x", // subdomains of an allowed namespace
        "a.b.kubelet.kubernetes.io/x",
      })
  void kubeletMaySetLabelsOutsideTheKubernetesNamespacesAndTheAllowedOnes(String key) {
    assertThat(KubeletLabels.kubeletMaySet(key)).as(key).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "node-restriction.kubernetes.io/nestedvirt-pool",
        "team.node-restriction.kubernetes.io/x",
        "node-role.kubernetes.io/worker",
        "kubernetes.io/role",
        "app.kubernetes.io/name",
        "k8s.io/x",
        "sig.k8s.io/x",
        "topology.kubernetes.io/rack",
        "beta.kubernetes.io/metadata-proxy-ready",
      })
  void kubeletMayNotSetRestrictedOrUnknownKubernetesLabels(String key) {
    assertThat(KubeletLabels.kubeletMaySet(key)).as(key).isFalse();
  }

  @Test
  void splitSeparatesLabelsOnlyTheOperatorCanSet() {
    var split =
        KubeletLabels.split(
            Map.of(
                "workload", "vm",
                "node-role.kubernetes.io/virt", "",
                "node-restriction.kubernetes.io/nestedvirt-pool", "kubevirt",
                "node.kubernetes.io/lifecycle", "on-demand"));

    assertThat(split.kubelet())
        .containsExactly(
            Map.entry("node.kubernetes.io/lifecycle", "on-demand"), Map.entry("workload", "vm"));
    assertThat(split.operatorOnly())
        .containsExactly(
            Map.entry("node-restriction.kubernetes.io/nestedvirt-pool", "kubevirt"),
            Map.entry("node-role.kubernetes.io/virt", ""));
  }
}
