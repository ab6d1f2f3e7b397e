package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.ProviderIds;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which machines a Node's change wakes. */
class NodeEventsTest {
  private final InstanceListing listing =
      new InstanceListing(
          new FakeCloud(),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          Clock.fixed(LAUNCHED, ZoneOffset.UTC),
          OperatorMetrics.prometheus());

  @Test
  void aNodeWakesTheMachineWhoseStatusNamesItsInstance() {
    NestedVirtInstance m = Machines.machine("p-a", "i-1");
    assertThat(wakes(node("n1", "i-1"), List.of(m))).containsExactly(ResourceID.fromResource(m));
  }

  /**
   * A fast kubelet registers (and its agent verifies) before the machine's status write with the
   * instance id has come back through the informer. Missing that Node event leaves the machine
   * waiting for the next listing to untaint a verified node.
   */
  @Test
  void aNodeThatRegistersBeforeItsMachineNamesTheInstanceWakesItByTheLaunchsClientToken() {
    NestedVirtInstance m = Machines.machine("p-a", null);
    Instance launched =
        Machines.instance("i-1", InstanceState.PENDING, NestedVirtualization.ENABLED);
    listing.recordLaunched(withToken(launched, ClientTokens.forInstance(m.uid())));

    assertThat(wakes(node("n1", "i-1"), List.of(m))).containsExactly(ResourceID.fromResource(m));
  }

  @Test
  void aNodeWakesTheMachineItIsBoundToByName() {
    NestedVirtInstance m = Machines.machine("p-a", "i-1");
    m.getStatus().nodeName = "n1";
    // The Node now claims another instance: the machine bound to it must still hear of it.
    assertThat(wakes(node("n1", "i-2"), List.of(m))).containsExactly(ResourceID.fromResource(m));
  }

  @Test
  void aNodeOfAnInstanceNoMachineKnowsWakesNone() {
    assertThat(wakes(node("n1", "i-9"), List.of(Machines.machine("p-a", "i-1")))).isEmpty();
  }

  private java.util.Set<ResourceID> wakes(Node node, List<NestedVirtInstance> machines) {
    return NodeEvents.machines(node, new IndexedMachines(machines::stream), listing);
  }

  private static Node node(String name, String instanceId) {
    Node node = Machines.node(name, null, LAUNCHED, true);
    node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
    node.getSpec().setProviderID(ProviderIds.of("us-east-1a", instanceId));
    return node;
  }

  private static Instance withToken(Instance i, String token) {
    return new Instance(
        i.id(),
        i.instanceType(),
        i.zone(),
        i.subnetId(),
        i.state(),
        i.nestedVirtualization(),
        i.launchTime(),
        i.capacityType(),
        i.privateDnsName(),
        token,
        Map.of(),
        i.imageId());
  }
}
