package io.nestedvirt.operator.pool;

import java.time.Duration;

/**
 * How the pool controller behaves.
 *
 * @param clusterName the cluster whose instances this operator owns (the nestedvirt.io/cluster tag)
 * @param refreshPeriod how often the cluster's instances are listed (one call per period)
 * @param offeringCooldown how long an offering that had no capacity is skipped
 * @param launchGrace how long a launched instance that a listing does not show yet is still counted
 *     (EC2 listings are eventually consistent)
 * @param resolveCacheTtl how long resolved subnets, security groups and images are reused
 */
public record PoolSettings(
    String clusterName,
    Duration refreshPeriod,
    Duration offeringCooldown,
    Duration launchGrace,
    Duration resolveCacheTtl) {

  public static PoolSettings defaults(String clusterName) {
    return new PoolSettings(
        clusterName,
        Duration.ofSeconds(30),
        Duration.ofMinutes(3),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5));
  }

  public PoolSettings withRefreshPeriod(Duration period) {
    return new PoolSettings(clusterName, period, offeringCooldown, launchGrace, resolveCacheTtl);
  }
}
