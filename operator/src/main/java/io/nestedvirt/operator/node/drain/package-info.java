/**
 * Draining a node before its instance goes: cordon it, then move its pods away through the Eviction
 * API so that PodDisruptionBudgets are honoured.
 *
 * <p>{@link io.nestedvirt.operator.node.drain.NodeDrainer#drain} is one non-blocking step, called
 * once per reconcile: it cordons, evicts what may go now and reports in a {@link
 * io.nestedvirt.operator.node.drain.DrainStep} what is left and what a budget refused. The caller
 * requeues with a back-off until the step is {@code done}, and decides when to force (delete
 * without asking the budgets), typically after its drain timeout.
 *
 * <p>Which pods need to go and how is decided by {@link
 * io.nestedvirt.operator.node.drain.DrainPlanner}, a pure function of the pods on the node; which
 * budgets cover a pod by {@link io.nestedvirt.operator.node.drain.DisruptionBudgets}. {@link
 * io.nestedvirt.operator.node.drain.PodEvictions} turns the API server's answers to one eviction or
 * deletion into an {@link io.nestedvirt.operator.node.drain.PodEvictions.Outcome}.
 *
 * <p>The operator's ServiceAccount needs: nodes get and patch, pods list (all namespaces) and
 * delete, pods/eviction create, poddisruptionbudgets list.
 */
package io.nestedvirt.operator.node.drain;
