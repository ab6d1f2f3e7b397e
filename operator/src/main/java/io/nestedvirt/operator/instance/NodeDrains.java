package io.nestedvirt.operator.instance;

/** What the reconciler needs from node draining: one non-blocking step at a time. */
public interface NodeDrains {
  /** Where one drain stands after a step. */
  record Step(boolean done, String summary, int evictionsRefused) {}

  /**
   * Cordons the node and evicts (or with {@code force}, deletes) what can go now, honouring
   * PodDisruptionBudgets. Never blocks.
   */
  Step drain(String nodeName, boolean force);
}
