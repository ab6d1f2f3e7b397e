package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Instances boot with the user data of their pool's bootstrap mode and join as its nodes. */
class BootstrapModesTest {
  private static final String HASH = "sha256:" + "ab".repeat(32);
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void eksNodesBootWithANodeConfigCarryingThePoolLabelAndTheStartupTaint() {
    bed.startOperator();
    bed.createPool("eks", 1, "m8i.large");
    bed.awaitReady("eks", 1);

    String userData = userDataOf("eks");
    assertThat(userData)
        .contains("Content-Type: application/node.eks.aws")
        .contains("kind: NodeConfig")
        .contains("nestedvirt.io/pool=eks")
        .contains("--register-with-taints=nestedvirt.io/unverified=:NoSchedule");
  }

  @Test
  void kubeadmNodesJoinWithAJoinConfigurationCarryingTheirOwnBootstrapToken() {
    bed.startOperator();
    bed.createPool("adm", 1, spec -> spec.bootstrap = BootstrapTokensTest.kubeadm(), "m8i.large");
    bed.awaitReady("adm", 1);

    assertThat(userDataOf("adm"))
        .contains("kind: JoinConfiguration")
        .containsPattern("token: \"[a-z0-9]{6}\\.[a-z0-9]{16}\"")
        .contains(HASH)
        .contains("nestedvirt.io/unverified");
  }

  @Test
  void rawNodesAreFoundByProviderIdAndGetThePoolsLabelsAndStartupTaintFromTheOperator() {
    bed.startOperator();
    bed.createPool(
        "raw",
        1,
        spec -> {
          spec.bootstrap = new BootstrapSpec();
          spec.bootstrap.mode = BootstrapSpec.Mode.RAW;
          spec.userData = "#!/bin/bash\necho joining by other means";
        },
        "m8i.large");

    bed.awaitReady("raw", 1);

    assertThat(userDataOf("raw")).isEqualTo("#!/bin/bash\necho joining by other means");
    Node node =
        bed.client().nodes().withName(bed.machines("raw").get(0).getStatus().nodeName).get();
    assertThat(node.getMetadata().getLabels())
        .containsEntry("nestedvirt.io/pool", "raw")
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "raw")
        .containsEntry("nestedvirt.io/kvm", "verified");
    assertThat(node.getSpec().getTaints())
        .extracting(Taint::getKey)
        .doesNotContain("nestedvirt.io/unverified");
  }

  private String userDataOf(String pool) {
    return bed.ec2.instances().stream()
        .filter(i -> pool.equals(i.tags().get(Tags.POOL)))
        .map(EmulatedInstance::userData)
        .findFirst()
        .orElseThrow();
  }
}
