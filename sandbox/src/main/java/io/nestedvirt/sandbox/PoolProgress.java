package io.nestedvirt.sandbox;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import java.util.Optional;

/** One line per pool that says where it stands, as the sandbox prints it. */
final class PoolProgress {
  private PoolProgress() {}

  static String line(NestedVirtPool pool) {
    NestedVirtPoolStatus s = pool.getStatus();
    if (s == null || s.conditions.isEmpty()) {
      return String.format("%-16s waiting for the operator", pool.name());
    }
    Optional<Condition> ready = ready(pool);
    return String.format(
        "%-16s desired %d  instances %d  ready %d  %s",
        pool.name(),
        pool.targetReplicas(),
        s.replicas,
        s.readyReplicas,
        ready
            .map(c -> ("True".equals(c.status) ? "Ready" : c.reason) + ": " + c.message)
            .orElse(""));
  }

  static boolean isReady(NestedVirtPool pool) {
    return pool.getStatus() != null
        && pool.getMetadata().getGeneration().equals(pool.getStatus().observedGeneration)
        && ready(pool).map(c -> "True".equals(c.status)).orElse(false);
  }

  static Optional<Condition> ready(NestedVirtPool pool) {
    return condition(pool, "Ready");
  }

  static Optional<Condition> condition(NestedVirtPool pool, String type) {
    if (pool.getStatus() == null) {
      return Optional.empty();
    }
    return pool.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst();
  }
}
