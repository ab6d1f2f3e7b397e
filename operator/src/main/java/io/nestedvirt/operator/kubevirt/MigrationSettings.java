package io.nestedvirt.operator.kubevirt;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

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

  /**
   * How long draining a node may take for these VMs to move: they leave in waves of {@code
   * parallelOutboundMigrationsPerNode}, largest first; a wave takes {@code completionTimeoutPerGiB}
   * per GiB of its largest VM's memory (KubeVirt's own limit for one migration; a VM of less than a
   * GiB counts as one); then {@code progressTimeout} for a migration that stalls at the end.
   */
  public Duration drainDeadline(List<Vm> movers) {
    List<Long> gib =
        movers.stream()
            .map(v -> Math.max(1, (v.memoryBytes() + GIB - 1) / GIB))
            .sorted(Comparator.reverseOrder())
            .toList();
    int perWave = Math.max(1, parallelOutboundMigrationsPerNode);
    Duration total = progressTimeout;
    for (int first = 0; first < gib.size(); first += perWave) {
      total = total.plus(completionTimeoutPerGiB.multipliedBy(gib.get(first)));
    }
    return total;
  }

  private static final long GIB = 1L << 30;
}
