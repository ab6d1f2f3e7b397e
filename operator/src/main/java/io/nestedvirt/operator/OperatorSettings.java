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
 * @param resolveCacheTtl how long resolved subnets and security groups are reused
 * @param trustUnreportedNestedVirtualization count an instance whose CpuOptions say nothing about
 *     nested virtualization as running it; EC2 always reports the setting, so this is only for
 *     EC2-compatible endpoints that do not (see e2e/README.md)
 * @param cluster where EKS nodes find the cluster (endpoint, CA, service CIDR); null when the
 *     operator was not given them, which only bootstrap mode eks needs
 * @param interruptionQueue the SQS queue EventBridge feeds EC2's warnings into (Spot interruptions,
 *     rebalance recommendations, state changes, scheduled changes); null when there is none, and
 *     the operator reads scheduled events with DescribeInstanceStatus instead
 * @param agentInterval how often the node agents renew NestedVirtualizationReady (their {@code
 *     --interval}); a verdict not renewed for three intervals is stale
 * @param batching how pending pods are gathered before a scale-up is decided
 * @param imageRefresh how often each image reference in use (an SSM parameter) is resolved again,
 *     one call per reference and period
 */
public record OperatorSettings(
    String clusterName,
    Duration refreshPeriod,
    Duration offeringCooldown,
    Duration launchGrace,
    Duration resolveCacheTtl,
    boolean trustUnreportedNestedVirtualization,
    ClusterInfo cluster,
    String interruptionQueue,
    Duration agentInterval,
    Batching batching,
    Duration imageRefresh) {

  public OperatorSettings {
    if (!imageRefresh.isPositive()) {
      throw new IllegalArgumentException(
          "the image refresh (" + Durations.format(imageRefresh) + ") must be longer than zero");
    }
  }

  /**
   * How pending pods are gathered before a scale-up is decided, as Karpenter batches: the decision
   * waits until no new pending pod has come for {@code idle}, or {@code max} after the first one,
   * so that a burst (a Deployment scaled to 50, a VM pool) is one decision, not fifty.
   */
  public record Batching(Duration idle, Duration max) {
    public static final Batching DEFAULT =
        new Batching(Duration.ofSeconds(1), Duration.ofSeconds(10));

    public Batching {
      if (idle.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "the batch idle time ("
                + Durations.format(idle)
                + ") must not be longer than the batch maximum ("
                + Durations.format(max)
                + ")");
      }
    }
  }

  /** The default {@code --image-refresh}. */
  public static final Duration DEFAULT_IMAGE_REFRESH = Duration.ofHours(1);

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
        null,
        DEFAULT_AGENT_INTERVAL,
        Batching.DEFAULT,
        DEFAULT_IMAGE_REFRESH);
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
        interruptionQueue,
        agentInterval,
        batching,
        imageRefresh);
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
        interruptionQueue,
        agentInterval,
        batching,
        imageRefresh);
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
        interruptionQueue,
        agentInterval,
        batching,
        imageRefresh);
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
        interruptionQueue,
        agentInterval,
        batching,
        imageRefresh);
  }

  public OperatorSettings withInterruptionQueue(String queue) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        queue,
        agentInterval,
        batching,
        imageRefresh);
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
        interruptionQueue,
        interval,
        batching,
        imageRefresh);
  }

  public OperatorSettings withBatching(Batching batching) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        interruptionQueue,
        agentInterval,
        batching,
        imageRefresh);
  }

  public OperatorSettings withImageRefresh(Duration refresh) {
    return new OperatorSettings(
        clusterName,
        refreshPeriod,
        offeringCooldown,
        launchGrace,
        resolveCacheTtl,
        trustUnreportedNestedVirtualization,
        cluster,
        interruptionQueue,
        agentInterval,
        batching,
        refresh);
  }
}
