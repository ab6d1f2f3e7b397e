package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;

/** Machine caches for tests outside this package, over what an API server holds right now. */
public final class TestMachineCaches {
  private TestMachineCaches() {}

  /** A cache whose lookups read the API server's machines at the time of the lookup. */
  public static MachineCache reading(KubernetesClient client) {
    MachineCache cache = new MachineCache();
    cache.attach(
        new IndexedMachines(
            () -> client.resources(NestedVirtInstance.class).list().getItems().stream()));
    return cache;
  }
}
