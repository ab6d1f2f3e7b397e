package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.InstanceType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's whole instance type catalog, read at most once per TTL. Every pool's validation asks
 * about types on every reconcile; the answer changes a few times a year.
 */
final class InstanceTypeCache {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceTypeCache.class);

  private final Supplier<List<InstanceType>> loader;
  private final Duration ttl;
  private final Clock clock;

  private Map<String, InstanceType> catalog;
  private Instant loadedAt;

  InstanceTypeCache(Supplier<List<InstanceType>> loader, Duration ttl, Clock clock) {
    this.loader = Objects.requireNonNull(loader);
    this.ttl = Objects.requireNonNull(ttl);
    this.clock = Objects.requireNonNull(clock);
  }

  /** The catalog by type name, reloaded when older than the TTL. */
  synchronized Map<String, InstanceType> catalog() {
    Instant now = clock.instant();
    if (catalog != null && now.isBefore(loadedAt.plus(ttl))) {
      return catalog;
    }
    try {
      Map<String, InstanceType> fresh = new LinkedHashMap<>();
      loader.get().forEach(type -> fresh.put(type.name(), type));
      catalog = Map.copyOf(fresh);
      loadedAt = now;
    } catch (CloudException e) {
      if (catalog == null) {
        throw e;
      }
      // A stale catalog is still right for nearly every type; failing validation of every pool
      // because AWS throttled one refresh would be worse. The next call tries again.
      LOG.warn("Refreshing the instance type catalog failed, using the one from {}", loadedAt, e);
    }
    return catalog;
  }
}
