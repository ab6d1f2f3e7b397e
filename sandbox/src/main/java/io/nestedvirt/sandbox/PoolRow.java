package io.nestedvirt.sandbox;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;

/**
 * A pool as the live view shows it: how many instances it is to have ({@code spec.replicas}, or the
 * autoscaler's {@code status.desiredReplicas}) and how many are at each step toward Ready.
 */
record PoolRow(
    String name, int desired, int launching, int joining, int verifying, int ready, String status) {

  static PoolRow of(NestedVirtPool pool) {
    int launching = 0;
    int joining = 0;
    int verifying = 0;
    int ready = 0;
    if (pool.getStatus() != null && pool.getStatus().phaseCounts != null) {
      var counts = pool.getStatus().phaseCounts;
      launching = counts.getOrDefault("Launching", 0);
      joining = counts.getOrDefault("Joining", 0);
      verifying = counts.getOrDefault("Verifying", 0);
      ready = counts.getOrDefault("Ready", 0);
    }
    String status =
        pool.getStatus() == null || pool.getStatus().conditions.isEmpty()
            ? "WaitingForOperator"
            : PoolProgress.ready(pool)
                .map(c -> "True".equals(c.status) ? "Ready" : c.reason)
                .orElse("Unknown");
    if (pool.getMetadata().getDeletionTimestamp() != null) {
      status = "Deleting";
    }
    return new PoolRow(
        pool.name(), pool.targetReplicas(), launching, joining, verifying, ready, status);
  }
}
