package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.node.ProviderIds;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.util.HashSet;
import java.util.Set;

/**
 * Nodes as a JOSDK event source. A Node wakes the pool it claims (its pool label) and the pool
 * whose instance its providerID names; the reconciler then decides whether the claim is true, so a
 * forged label earns an Event, never labels or trust.
 */
final class NodeEvents {
  private NodeEvents() {}

  static InformerEventSource<Node, NestedVirtPool> source(
      EventSourceContext<NestedVirtPool> context, InstanceInventory inventory) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Node.class, NestedVirtPool.class)
            .withName("nodes")
            .withSecondaryToPrimaryMapper(node -> pools(node, inventory))
            .build(),
        context);
  }

  private static Set<ResourceID> pools(Node node, InstanceInventory inventory) {
    Set<ResourceID> pools = new HashSet<>();
    if (node.getMetadata().getLabels() != null) {
      String claimed = node.getMetadata().getLabels().get(NodeLabels.POOL);
      if (claimed != null) {
        pools.add(new ResourceID(claimed));
      }
    }
    ProviderIds.instanceId(node)
        .flatMap(inventory::poolOf)
        .ifPresent(pool -> pools.add(new ResourceID(pool)));
    return pools;
  }
}
