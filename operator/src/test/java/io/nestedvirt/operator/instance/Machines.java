package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders of machines, instances and nodes for the lifecycle steps' unit tests. */
final class Machines {
  static final Instant LAUNCHED = Instant.parse("2026-11-26T00:00:00Z");

  private Machines() {}

  /** A machine of pool "p" created at {@link #LAUNCHED}, launched as {@code instanceId}. */
  static NestedVirtInstance machine(String name, String instanceId) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withUid("uid-" + name)
            .withCreationTimestamp(LAUNCHED.toString())
            .withLabels(Map.of("nestedvirt.io/pool", "p"))
            .build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = "subnet-1";
    spec.zone = "us-east-1a";
    spec.capacityType = CapacityType.ON_DEMAND;
    spec.launchSettingsHash = "0123456789abcdef";
    m.setSpec(spec);
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = instanceId;
    status.launchTime = instanceId == null ? null : LAUNCHED.toString();
    m.setStatus(status);
    return m;
  }

  static Instance instance(String id, InstanceState state, NestedVirtualization nested) {
    return new Instance(
        id,
        "m8i.large",
        "us-east-1a",
        "subnet-1",
        state,
        nested,
        LAUNCHED,
        io.nestedvirt.operator.cloud.CapacityType.ON_DEMAND,
        "ip-1",
        null,
        Map.of(),
        null);
  }

  /** A node with the kubelet's Ready condition and, unless null, the agent's verdict. */
  static Node node(String name, String verdict, Instant since, boolean ready) {
    var builder =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withUid("uid-" + name)
            .endMetadata()
            .withNewStatus();
    builder.addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition();
    if (verdict != null) {
      builder
          .addNewCondition()
          .withType("NestedVirtualizationReady")
          .withStatus(verdict)
          .withReason(verdict.equals("True") ? "KvmVerified" : "KvmUnavailable")
          .withMessage("probe")
          .withLastTransitionTime(since.toString())
          .endCondition();
    }
    return builder.endStatus().build();
  }

  /** A machine mid-reconcile: launched (Launched=True), its instance observed. */
  static Machine launched(Instance instance, Instant now) {
    Machine m = new Machine(machine("p-abcde", instance.id()), null, now);
    m.observed(instance);
    m.conditions.set(InstanceConditions.LAUNCHED, true, InstanceReason.Launched, "launched");
    return m;
  }

  static List<Node> none() {
    return List.of();
  }
}
