package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.node.ProviderIds;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Nodes as the instance controller's event source. A Node wakes the machine whose instance its
 * providerID names, and the machine it is bound to by name; the machine then decides whether to
 * trust it. Nodes are indexed by the instance their providerID names, so a machine finds the Nodes
 * that claim its instance in one lookup among thousands.
 */
final class NodeEvents {
  /** Index of Nodes by the instance id in their providerID. */
  static final String BY_INSTANCE = "instance";

  private NodeEvents() {}

  static InformerEventSource<Node, NestedVirtInstance> source(
      EventSourceContext<NestedVirtInstance> context, InstanceListing listing) {
    IndexerResourceCache<NestedVirtInstance> machines = context.getPrimaryCache();
    InformerEventSource<Node, NestedVirtInstance> nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, NestedVirtInstance.class)
                .withName("nodes")
                .withSecondaryToPrimaryMapper(node -> machines(node, machines, listing))
                .build(),
            context);
    nodes.addIndexers(
        Map.of(BY_INSTANCE, node -> ProviderIds.instanceId(node).map(List::of).orElse(List.of())));
    return nodes;
  }

  static Set<ResourceID> machines(
      Node node, IndexerResourceCache<NestedVirtInstance> cache, InstanceListing listing) {
    Set<ResourceID> machines = new HashSet<>();
    ProviderIds.instanceId(node)
        .ifPresent(
            id -> {
              cache.byIndex(MachineIndex.INSTANCE_ID, id).stream()
                  .map(ResourceID::fromResource)
                  .forEach(machines::add);
              // A Node can register before its machine's status names the instance (the launch
              // answer and the status write are still on their way); the listing knows the
              // instance's client token already, which names the machine.
              listing
                  .byId(id)
                  .ifPresent(instance -> machines.addAll(MachineIndex.machinesOf(instance, cache)));
            });
    cache.byIndex(MachineIndex.NODE_NAME, node.getMetadata().getName()).stream()
        .map(ResourceID::fromResource)
        .forEach(machines::add);
    return machines;
  }
}
