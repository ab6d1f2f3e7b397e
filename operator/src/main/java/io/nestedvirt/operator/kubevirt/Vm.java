package io.nestedvirt.operator.kubevirt;

/**
 * One VirtualMachineInstance running on a node, as a drain and a scale-down choice need it.
 *
 * @param namespace the VMI's namespace
 * @param name the VMI's name (also the {@code kubevirt.io/domain} annotation of its virt-launcher
 *     pods)
 * @param strategy its effective eviction strategy (its own, else the cluster's)
 * @param migratable its {@code LiveMigratable} condition is True
 * @param notMigratableBecause the condition's reason and message when it is not migratable, for
 *     messages; empty when it is
 * @param memoryBytes the guest memory to copy when it moves ({@code spec.domain.memory.guest}, else
 *     the memory request); 0 when neither is set
 * @param evacuating {@code status.evacuationNodeName} is set: KubeVirt is moving it off this node
 * @param migrations its VirtualMachineInstanceMigrations by phase
 */
public record Vm(
    String namespace,
    String name,
    EvictionStrategy strategy,
    boolean migratable,
    String notMigratableBecause,
    long memoryBytes,
    boolean evacuating,
    Migrations migrations) {

  /** {@code namespace/name}. */
  public String key() {
    return namespace + "/" + name;
  }

  /** An eviction of its pod starts a migration (or an external evacuation) instead of a kill. */
  public boolean movesOnEviction() {
    return switch (strategy) {
      case LiveMigrate, LiveMigrateIfPossible -> migratable;
      case External -> true;
      case None -> false;
    };
  }

  /** KubeVirt moves it when its pod is evicted, or is moving it already. */
  public boolean moving() {
    return movesOnEviction() || evacuating;
  }

  /**
   * Its node cannot be drained without killing it: KubeVirt refuses the eviction (LiveMigrate) and
   * the VM cannot move.
   */
  public boolean pinsNode() {
    return strategy == EvictionStrategy.LiveMigrate && !migratable;
  }

  /** A VM a forced drain must never delete: it is moving, or it could. */
  public boolean mustNotBeKilled() {
    return evacuating || migrations.running() > 0 || movesOnEviction();
  }

  /**
   * The migrations of one VMI, counted by phase.
   *
   * @param running not finished yet (pending, scheduling, running, and the phases between)
   * @param succeeded finished with the VM on its target
   * @param failed finished without moving it (KubeVirt tries again while the VMI is evacuating)
   */
  public record Migrations(int running, int succeeded, int failed) {
    public static final Migrations NONE = new Migrations(0, 0, 0);
  }
}
