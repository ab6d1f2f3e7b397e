package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.NodeTemplateSpec;
import io.nestedvirt.operator.api.v1alpha1.RootVolumeSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LaunchSettingsHashTest {
  private static final String BASE = LaunchSettingsHash.of(spec(s -> {}));

  @Test
  void whatEc2OrTheBootReadsOnceChangesTheHash() {
    List<Consumer<NestedVirtPoolSpec>> changes =
        List.of(
            s -> s.image = "ami-0123456789abcdef0",
            s -> s.instanceProfile = "other-role",
            s -> s.userData = "#!/bin/sh\necho hi",
            s -> s.tags = Map.of("team", "virt"),
            s -> {
              s.rootVolume = new RootVolumeSpec();
              s.rootVolume.sizeGiB = 100;
            },
            s -> s.capacityType = io.nestedvirt.operator.api.v1alpha1.PoolCapacityType.SPOT);
    for (Consumer<NestedVirtPoolSpec> change : changes) {
      assertThat(LaunchSettingsHash.of(spec(change))).isNotEqualTo(BASE);
    }
  }

  @Test
  void whatTheOperatorAppliesInPlaceOrEachMachineRecordsDoesNot() {
    List<Consumer<NestedVirtPoolSpec>> changes =
        List.of(
            s -> s.replicas = 7,
            s -> s.instanceTypes = List.of("c8i.large"),
            s -> s.joinTimeout = "30m",
            s -> s.drainTimeout = "1h",
            s -> s.forceDrain = true,
            s -> {
              s.nodeTemplate = new NodeTemplateSpec();
              s.nodeTemplate.labels = Map.of("workload", "kubevirt");
            });
    for (Consumer<NestedVirtPoolSpec> change : changes) {
      assertThat(LaunchSettingsHash.of(spec(change))).isEqualTo(BASE);
    }
  }

  @Test
  void tagsInAnyOrderHashAlike() {
    var a = new java.util.LinkedHashMap<String, String>();
    a.put("a", "1");
    a.put("b", "2");
    var b = new java.util.LinkedHashMap<String, String>();
    b.put("b", "2");
    b.put("a", "1");
    assertThat(LaunchSettingsHash.of(spec(s -> s.tags = a)))
        .isEqualTo(LaunchSettingsHash.of(spec(s -> s.tags = b)))
        .hasSize(16);
  }

  private static NestedVirtPoolSpec spec(Consumer<NestedVirtPoolSpec> edit) {
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 3;
    spec.instanceTypes = List.of("m8i.large");
    edit.accept(spec);
    return spec;
  }
}
