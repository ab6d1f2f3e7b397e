package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** Drains for tests: on a cluster without KubeVirt, or with the VMs a test gives. */
final class Drains {
  private Drains() {}

  static Drain withoutVms(NodeDrains drains, EventRecorder events) {
    return withVms(drains, events, VmInventory.NONE, new ClusterCaches(), node -> List.of());
  }

  static Drain withVms(
      NodeDrains drains,
      EventRecorder events,
      VmInventory vms,
      ClusterCaches caches,
      Function<String, List<Pod>> podsOn) {
    return new Drain(
        drains,
        events,
        OperatorMetrics.prometheus(),
        Duration.ofSeconds(30),
        new VmDrainGate(vms, caches, podsOn),
        vms);
  }
}
