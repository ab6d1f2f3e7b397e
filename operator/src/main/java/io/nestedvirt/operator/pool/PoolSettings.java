package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
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
 * @param trustUnreportedNestedVirtualization count an instance whose CpuOptions say nothing about
 *     nested virtualization as running it; EC2 always reports the setting, so this is only for
 *     EC2-compatible endpoints that do not (see e2e/README.md)
 * @param cluster where EKS nodes find the cluster (endpoint, CA, service CIDR); null when the
 *     operator was not given them, which only bootstrap mode eks needs
 * @param operatorNamespace the operator's namespace, where kubeadm join token Secrets live
 */
public record PoolSettings(
    String clusterName,
    Duration refreshPeriod,
    Duration offeringCooldown,
    Duration launchGrace,
    Duration resolveCacheTtl,
    boolean trustUnreportedNestedVirtualization,
    ClusterInfo cluster,
    String operatorNamespace) {

  public static PoolSettings defaults(String clusterName) {
    return new PoolSettings(
        clusterName,
        Duration.ofSeconds(30),
        Duration.ofMinutes(3),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5),
        false,
        null,
        "nestedvirt-system");
  }

  public PoolSettings withRefreshPeriod(Duration period) {
    return new PoolSettings(
        clusterName,
        period,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        operatorNamespace);
  }

  public PoolSettings withTrustUnreportedNestedVirtualization(boolean trust) {
    return new PoolSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trust,
        cluster,
        operatorNamespace);
  }

  public PoolSettings withCluster(ClusterInfo info) {
    return new PoolSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        info,
        operatorNamespace);
  }

  public PoolSettings withOperatorNamespace(String namespace) {
    return new PoolSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        namespace);
  }
}
