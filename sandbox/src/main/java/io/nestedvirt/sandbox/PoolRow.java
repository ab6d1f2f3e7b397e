package io.nestedvirt.sandbox;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;

/**
 * A pool as the live view shows it: how many instances it is to have ({@code spec.replicas}, or the
 * autoscaler's {@code status.desiredReplicas}), how many are at each step toward Ready, how many
 * are draining, and how many match the pool (a rollout replaces the others).
 */
record PoolRow(
    String name,
    int desired,
    int launching,
    int joining,
    int verifying,
    int ready,
    int draining,
    int upToDate,
    String status) {

  static PoolRow of(NestedVirtPool pool) {
    int launching = 0;
    int joining = 0;
    int verifying = 0;
    int ready = 0;
    int draining = 0;
    if (pool.getStatus() != null && pool.getStatus().phaseCounts != null) {
      var counts = pool.getStatus().phaseCounts;
      launching = counts.getOrDefault("Launching", 0);
      joining = counts.getOrDefault("Joining", 0);
      verifying = counts.getOrDefault("Verifying", 0);
      ready = counts.getOrDefault("Ready", 0);
      draining = counts.getOrDefault("Draining", 0);
    }
    String status =
        pool.getStatus() == null || pool.getStatus().conditions.isEmpty()
            ? "WaitingForOperator"
            : PoolProgress.ready(pool)
                .map(c -> "True".equals(c.status) ? "Ready" : c.reason)
                .orElse("Unknown");
    // A rollout under way or waiting shows beside the pool's readiness.
    status +=
        PoolProgress.condition(pool, "NodesUpToDate")
            .filter(c -> "False".equals(c.status))
            .map(c -> " (" + c.reason + ")")
            .orElse("");
    if (pool.getMetadata().getDeletionTimestamp() != null) {
      status = "Deleting";
    }
    int upToDate =
        pool.getStatus() == null || pool.getStatus().updatedReplicas == null
            ? 0
            : pool.getStatus().updatedReplicas;
    return new PoolRow(
        pool.name(),
        pool.targetReplicas(),
        launching,
        joining,
        verifying,
        ready,
        draining,
        upToDate,
        status);
  }
}
