package io.nestedvirt.operator.instance;

/** What the reconciler needs from node draining: one non-blocking step at a time. */
public interface NodeDrains {
  /**
   * Where one drain stands after a step.
   *
   * @param evicted pods whose eviction (or forced deletion) the API server accepted in this step
   */
  record Step(boolean done, String summary, int evictionsRefused, int evicted) {}

  /**
   * Cordons the node and evicts (or with {@code force}, deletes) what can go now, honouring
   * PodDisruptionBudgets. Never blocks.
   */
  Step drain(String nodeName, boolean force);

  /** Makes the node schedulable again (a drain taken back); a node that is gone is left alone. */
  void uncordon(String nodeName);
}
