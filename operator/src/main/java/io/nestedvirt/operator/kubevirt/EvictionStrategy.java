package io.nestedvirt.operator.kubevirt;

import java.util.Optional;

/**
 * What KubeVirt does when a VMI's virt-launcher pod is evicted ({@code spec.evictionStrategy} of
 * the VMI, else {@code spec.configuration.evictionStrategy} of the KubeVirt CR, else {@link
 * #None}). virt-api's eviction interceptor turns the eviction of a pod whose VMI is to move into a
 * live migration and answers 429 until the source pod has completed.
 */
public enum EvictionStrategy {
  /** The eviction goes through: the VM is shut down with its pod. */
  None,
  /** The VM is live-migrated; a VM that is not migratable blocks the eviction (429). */
  LiveMigrate,
  /** Live-migrated when migratable, else the eviction goes through and the VM is shut down. */
  LiveMigrateIfPossible,
  /** The VMI is marked for evacuation and an external controller moves it (429 meanwhile). */
  External;

  /** The strategy named in a VMI or KubeVirt CR; empty for none or for one this version lacks. */
  public static Optional<EvictionStrategy> parse(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    for (EvictionStrategy s : values()) {
      if (s.name().equals(wire)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
