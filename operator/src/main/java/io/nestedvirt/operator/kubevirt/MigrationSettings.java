package io.nestedvirt.operator.kubevirt;

import java.time.Duration;

/**
 * KubeVirt's migration settings from the KubeVirt CR ({@code spec.configuration}), with KubeVirt's
 * own defaults where the CR leaves them out.
 *
 * @param parallelMigrationsPerCluster migrations KubeVirt runs at once in the cluster (default 5)
 * @param parallelOutboundMigrationsPerNode migrations out of one node at once (default 2)
 * @param completionTimeoutPerGiB how long a migration may take per GiB of guest memory (150 s)
 * @param progressTimeout how long a migration may go without progress (150 s)
 * @param clusterEvictionStrategy the strategy of VMIs that set none (KubeVirt's default: None)
 */
public record MigrationSettings(
    int parallelMigrationsPerCluster,
    int parallelOutboundMigrationsPerNode,
    Duration completionTimeoutPerGiB,
    Duration progressTimeout,
    EvictionStrategy clusterEvictionStrategy) {

  /** KubeVirt's defaults (pkg/virt-config of KubeVirt v1.6 to v1.9). */
  public static final MigrationSettings DEFAULTS =
      new MigrationSettings(
          5, 2, Duration.ofSeconds(150), Duration.ofSeconds(150), EvictionStrategy.None);

  /**
   * How many nodes with VMs may drain at once across all pools: more would only queue migrations
   * inside KubeVirt while their drain deadlines run. ceil(per cluster / outbound per node).
   */
  public int maxDrainingNodes() {
    int perNode = Math.max(1, parallelOutboundMigrationsPerNode);
    return Math.max(1, (parallelMigrationsPerCluster + perNode - 1) / perNode);
  }
}
