package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.NodeTemplateSpec;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import io.nestedvirt.operator.api.v1alpha1.RootVolumeSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DriftTest {
  private static final Optional<String> AMI = Optional.of("ami-0000000000000000a");

  @Test
  void aMachineLaunchedAsThePoolLaunchesNowHasNotDrifted() {
    NestedVirtPoolSpec pool = pool(s -> {});
    assertThat(Drift.of(machine(pool, "m8i.large", AMI.get()), pool, AMI).drifted()).isFalse();
  }

  @Test
  void eachSettingThatEc2OrTheBootReadsOnceDriftsAndIsNamed() {
    NestedVirtPoolSpec before = pool(s -> {});
    NestedVirtInstance m = machine(before, "m8i.large", AMI.get());
    Map<String, Consumer<NestedVirtPoolSpec>> changes =
        Map.of(
            "spec.image changed",
            s -> s.image = "ami-0123456789abcdef0",
            "spec.instanceProfile changed",
            s -> s.instanceProfile = "other-role",
            "spec.userData changed",
            s -> s.userData = "#!/bin/sh\necho hi",
            "spec.tags changed",
            s -> s.tags = Map.of("team", "virt"),
            "spec.rootVolume changed",
            s -> {
              s.rootVolume = new RootVolumeSpec();
              s.rootVolume.sizeGiB = 100;
            },
            "spec.capacityType changed",
            s -> s.capacityType = io.nestedvirt.operator.api.v1alpha1.PoolCapacityType.SPOT);
    changes.forEach(
        (named, change) ->
            assertThat(Drift.of(m, pool(change), AMI).differences()).containsExactly(named));
  }

  @Test
  void anInstanceTypeNoLongerListedDrifts() {
    NestedVirtPoolSpec pool = pool(s -> s.instanceTypes = List.of("c8i.large"));
    NestedVirtInstance m = machine(pool, "m8i.large", AMI.get());

    assertThat(Drift.of(m, pool, AMI).differences())
        .containsExactly("instanceType m8i.large is no longer in spec.instanceTypes");
  }

  @Test
  void aNewAmiBehindThePoolsImageDrifts() {
    NestedVirtPoolSpec pool = pool(s -> {});
    NestedVirtInstance m = machine(pool, "m8i.large", "ami-00000000000000old");

    assertThat(Drift.of(m, pool, AMI).differences())
        .containsExactly("image ami-00000000000000old -> " + AMI.get());
    assertThat(Drift.of(m, pool, Optional.empty()).drifted())
        .as("an image not resolved (yet) drifts nothing")
        .isFalse();
  }

  @Test
  void whatTheOperatorAppliesInPlaceOrDecidesPerPoolDoesNotDrift() {
    NestedVirtPoolSpec before = pool(s -> {});
    NestedVirtInstance m = machine(before, "m8i.large", AMI.get());
    List<Consumer<NestedVirtPoolSpec>> changes =
        List.of(
            s -> s.replicas = 7,
            s -> s.instanceTypes = List.of("m8i.large", "c8i.large"),
            s -> {
              s.nodeTemplate = new NodeTemplateSpec();
              s.nodeTemplate.labels = Map.of("workload", "kubevirt");
            },
            s -> s.joinTimeout = "30m",
            s -> s.drainTimeout = "1h",
            s -> {
              s.repair = new RepairSpec();
              s.repair.enabled = false;
            },
            s -> {
              s.disruption = new DisruptionSpec();
              s.disruption.expireAfter = "720h";
            });
    for (Consumer<NestedVirtPoolSpec> change : changes) {
      assertThat(Drift.of(m, pool(change), AMI).drifted()).isFalse();
    }
  }

  @Test
  void aMachineOfAnEarlierVersionWithOnlyTheOverallHashStillDrifts() {
    NestedVirtPoolSpec before = pool(s -> {});
    NestedVirtInstance m = machine(before, "m8i.large", AMI.get());
    m.getSpec().launchSettings = null;

    assertThat(Drift.of(m, pool(s -> s.userData = "x"), AMI).describe())
        .startsWith("launch settings changed (")
        .contains("userData");
  }

  private static NestedVirtPoolSpec pool(Consumer<NestedVirtPoolSpec> edit) {
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 3;
    spec.instanceTypes = List.of("m8i.large");
    edit.accept(spec);
    return spec;
  }

  private static NestedVirtInstance machine(NestedVirtPoolSpec pool, String type, String ami) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(new ObjectMetaBuilder().withName("p-abcde").build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = type;
    spec.subnetId = "subnet-1";
    spec.zone = "us-east-1a";
    spec.capacityType = CapacityType.ON_DEMAND;
    spec.launchSettingsHash = LaunchSettingsHash.of(pool);
    spec.launchSettings = LaunchSettingsHash.fields(pool);
    m.setSpec(spec);
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = "i-0123456789abcdef0";
    status.imageId = ami;
    m.setStatus(status);
    return m;
  }
}
