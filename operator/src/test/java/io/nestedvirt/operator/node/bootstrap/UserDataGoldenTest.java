package io.nestedvirt.operator.node.bootstrap;

import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CLUSTER;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.JOIN;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.LABELS;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.POOL;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.TAINTS;
import static io.nestedvirt.operator.node.bootstrap.GoldenFiles.assertMatchesGolden;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rendered user data of each mode, byte for byte. Update the files with {@code UPDATE_GOLDEN=1}
 * (see {@link GoldenFiles}).
 */
class UserDataGoldenTest {
  private static final String SCRIPT =
      "#!/bin/bash\n"
          + "# Load the modules KubeVirt and Kata use.\n"
          + "modprobe vhost_net\n"
          + "modprobe vhost_vsock\n";

  private static final String CLOUD_CONFIG =
      "#cloud-config\n" + "packages:\n" + "  - qemu-guest-agent\n" + "timezone: UTC\n";

  @Test
  void eksNodeConfigWithPoolLabelsAndTaints() {
    var bootstrap = NodeBootstrap.eks(CLUSTER, POOL, LABELS, TAINTS, null);
    assertMatchesGolden("eks", UserDataRenderer.render(bootstrap).text());
  }

  @Test
  void eksNodeConfigFollowedByThePoolsScript() {
    var bootstrap = NodeBootstrap.eks(CLUSTER, POOL, LABELS, TAINTS, SCRIPT);
    assertMatchesGolden("eks-with-script", UserDataRenderer.render(bootstrap).text());
  }

  @Test
  void eksNodeConfigForAPoolWithoutLabelsOrTaints() {
    var bootstrap = NodeBootstrap.eks(CLUSTER, "kata", Map.of(), List.of(), null);
    assertMatchesGolden("eks-minimal", UserDataRenderer.render(bootstrap).text());
  }

  @Test
  void kubeadmJoinScript() {
    var bootstrap = NodeBootstrap.kubeadm(JOIN, POOL, LABELS, TAINTS, null);
    assertMatchesGolden("kubeadm", UserDataRenderer.render(bootstrap).text());
  }

  @Test
  void kubeadmJoinScriptFollowedByThePoolsCloudConfig() {
    var bootstrap = NodeBootstrap.kubeadm(JOIN, POOL, LABELS, TAINTS, CLOUD_CONFIG);
    assertMatchesGolden("kubeadm-with-cloud-config", UserDataRenderer.render(bootstrap).text());
  }

  @Test
  void rawUserDataPassedThrough() {
    var bootstrap = NodeBootstrap.raw(CLOUD_CONFIG, POOL, LABELS, TAINTS);
    assertMatchesGolden("raw", UserDataRenderer.render(bootstrap).text());
  }
}
