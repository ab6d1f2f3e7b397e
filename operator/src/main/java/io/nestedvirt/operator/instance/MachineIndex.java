package io.nestedvirt.operator.instance;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.launch.ClientTokens;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Indexes of the machine cache, so that an instance from the listing, a Node or a pool finds its
 * machines in one lookup (thousands of machines, events for each of them).
 */
final class MachineIndex {
  static final String INSTANCE_ID = "instanceId";
  static final String CLIENT_TOKEN = "clientToken";
  static final String NODE_NAME = "nodeName";
  static final String POOL = "pool";

  private MachineIndex() {}

  static Map<String, Function<NestedVirtInstance, List<String>>> all() {
    return Map.of(
        INSTANCE_ID, m -> listOf(m.instanceId()),
        CLIENT_TOKEN, m -> listOf(m.uid() == null ? null : ClientTokens.forInstance(m.uid())),
        NODE_NAME, m -> listOf(m.getStatus() == null ? null : m.getStatus().nodeName),
        POOL, m -> listOf(m.poolName()));
  }

  /**
   * The machines an instance belongs to: by the instance id in their status, or by the client token
   * it was launched with (a machine whose status does not yet name its instance).
   */
  static Set<ResourceID> machinesOf(
      Instance instance, IndexerResourceCache<NestedVirtInstance> machines) {
    Set<ResourceID> found = new HashSet<>();
    machines.byIndex(INSTANCE_ID, instance.id()).stream()
        .map(ResourceID::fromResource)
        .forEach(found::add);
    if (instance.clientToken() != null) {
      machines.byIndex(CLIENT_TOKEN, instance.clientToken()).stream()
          .map(ResourceID::fromResource)
          .forEach(found::add);
    }
    return found;
  }

  private static List<String> listOf(String value) {
    return value == null ? List.of() : List.of(value);
  }
}
