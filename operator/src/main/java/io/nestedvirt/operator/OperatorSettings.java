package io.nestedvirt.operator;

import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import java.time.Duration;

/**
 * How the controllers behave.
 *
 * @param clusterName the cluster whose instances this operator owns (the nestedvirt.io/cluster tag)
 * @param refreshPeriod how often the cluster's instances are listed (one call per period)
 * @param offeringCooldown how long an offering that had no capacity is skipped
 * @param launchGrace how long a launched instance that a listing does not show yet is still counted
 *     (EC2 listings are eventually consistent), how long a leaving machine whose launch may have
 *     landed waits to see it, and the garbage collector's grace before it acts on an orphan
 * @param resolveCacheTtl how long resolved subnets, security groups and images are reused
 * @param trustUnreportedNestedVirtualization count an instance whose CpuOptions say nothing about
 *     nested virtualization as running it; EC2 always reports the setting, so this is only for
 *     EC2-compatible endpoints that do not (see e2e/README.md)
 * @param cluster where EKS nodes find the cluster (endpoint, CA, service CIDR); null when the
 *     operator was not given them, which only bootstrap mode eks needs
 * @param operatorNamespace the operator's namespace, where kubeadm join token Secrets live
 * @param agentInterval how often the node agents renew NestedVirtualizationReady (their {@code
 *     --interval}); a verdict not renewed for three intervals is stale
 */
public record OperatorSettings(
    String clusterName,
    Duration refreshPeriod,
    Duration offeringCooldown,
    Duration launchGrace,
    Duration resolveCacheTtl,
    boolean trustUnreportedNestedVirtualization,
    ClusterInfo cluster,
    String operatorNamespace,
    Duration agentInterval) {

  /** The node agent's default {@code --interval}. */
  public static final Duration DEFAULT_AGENT_INTERVAL = Duration.ofMinutes(5);

  public static OperatorSettings defaults(String clusterName) {
    return new OperatorSettings(
        clusterName,
        Duration.ofSeconds(30),
        Duration.ofMinutes(3),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5),
        false,
        null,
        "nestedvirt-system",
        DEFAULT_AGENT_INTERVAL);
  }

  public OperatorSettings withRefreshPeriod(Duration period) {
    return new OperatorSettings(
        clusterName,
        period,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        operatorNamespace,
        agentInterval);
  }

  public OperatorSettings withLaunchGrace(Duration grace) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        grace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        operatorNamespace,
        agentInterval);
  }

  public OperatorSettings withTrustUnreportedNestedVirtualization(boolean trust) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trust,
        cluster,
        operatorNamespace,
        agentInterval);
  }

  public OperatorSettings withCluster(ClusterInfo info) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        info,
        operatorNamespace,
        agentInterval);
  }

  public OperatorSettings withOperatorNamespace(String namespace) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        namespace,
        agentInterval);
  }

  public OperatorSettings withAgentInterval(Duration interval) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        operatorNamespace,
        interval);
  }
}
