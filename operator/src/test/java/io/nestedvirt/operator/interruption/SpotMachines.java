package io.nestedvirt.operator.interruption;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import java.util.List;
import java.util.Map;

/** Machines on an API server for the interruption tests. */
final class SpotMachines {
  private SpotMachines() {}

  /**
   * A launched Spot machine of pool "p" whose finalizer keeps it while it drains, as the operator's
   * does.
   */
  static void create(KubernetesClient client, String name, String instanceId) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withLabels(Map.of("nestedvirt.io/pool", "p"))
            .withFinalizers(List.of("nestedvirt.io/termination"))
            .build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = "subnet-1";
    spec.zone = "us-east-1a";
    spec.capacityType = CapacityType.SPOT;
    spec.launchSettingsHash = "0123456789abcdef";
    m.setSpec(spec);
    NestedVirtInstance created = client.resource(m).create();
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = instanceId;
    created.setStatus(status);
    client.resource(created).updateStatus();
  }
}
