package io.nestedvirt.operator.node.drain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What one {@link NodeDrainer#drain} call achieved and what is left.
 *
 * @param node the node's name
 * @param done no pod that needs to go is left on the node: everything was evicted and is gone
 *     (DaemonSet pods, mirror pods and finished pods do not count)
 * @param podsLeft pods that still have to go, terminating ones included (a pod is away only once
 *     the API server has removed it)
 * @param terminating of {@code podsLeft}, those already being deleted (now or earlier)
 * @param evicted pods whose eviction (or forced deletion) the API server accepted in this step
 * @param refused evictions the API server refused with 429 in this step; the caller backs off and
 *     calls again (refusals that mean a VM is migrating are in {@code migrating} instead)
 * @param migrating the VMIs ({@code namespace/name}) whose virt-launcher pod's eviction KubeVirt
 *     answered with 429 because it is moving the VM (or has just started to): progress, not a
 *     refusal
 * @param errors pods whose eviction failed otherwise, with the API server's message (for example:
 *     more than one PodDisruptionBudget covers the pod); the other pods were still tried
 */
public record DrainStep(
    String node,
    boolean done,
    int podsLeft,
    int terminating,
    int evicted,
    List<Refusal> refused,
    List<String> migrating,
    List<String> errors) {

  /** Names, at most, shown in a summary before "and n more". */
  private static final int SHOWN = 3;

  public DrainStep {
    refused = List.copyOf(refused);
    migrating = List.copyOf(migrating);
    errors = List.copyOf(errors);
  }

  /**
   * A refused eviction.
   *
   * @param pod {@code namespace/name}
   * @param disruptionBudgets the budgets in the pod's namespace that cover it; empty when none
   *     does, so the 429 came from something else (API server throttling, or KubeVirt)
   * @param vmPinned why KubeVirt refused it: its VM cannot move ({@code null} for other pods)
   */
  public record Refusal(String pod, List<String> disruptionBudgets, String vmPinned) {
    public Refusal {
      disruptionBudgets = List.copyOf(disruptionBudgets);
    }

    public Refusal(String pod, List<String> disruptionBudgets) {
      this(pod, disruptionBudgets, null);
    }

    private String describe() {
      if (vmPinned != null) {
        return "eviction of " + pod + " refused: " + vmPinned;
      }
      return "eviction of "
          + pod
          + (disruptionBudgets.isEmpty()
              ? " refused (429, no PodDisruptionBudget covers it)"
              : " blocked by PodDisruptionBudget " + String.join(", ", disruptionBudgets));
    }
  }

  /** How many evictions were refused with 429 in this step (for back-off and metrics). */
  public int evictionsRefused() {
    return refused.size();
  }

  /** The budgets that refused an eviction in this step, as {@code namespace/name}, no repeats. */
  public List<String> blockedByDisruptionBudget() {
    LinkedHashSet<String> budgets = new LinkedHashSet<>();
    for (Refusal refusal : refused) {
      String namespace = refusal.pod().substring(0, refusal.pod().indexOf('/'));
      refusal.disruptionBudgets().forEach(b -> budgets.add(namespace + "/" + b));
    }
    return List.copyOf(budgets);
  }

  /**
   * One line for a condition message or an Event, e.g. {@code 2 pods left (1 terminating); eviction
   * of default/web-1 blocked by PodDisruptionBudget web}.
   */
  public String summary() {
    if (done) {
      return "node " + node + " is drained";
    }
    List<String> parts = new ArrayList<>();
    String left = podsLeft + (podsLeft == 1 ? " pod left" : " pods left");
    parts.add(terminating > 0 ? left + " (" + terminating + " terminating)" : left);
    if (!migrating.isEmpty()) {
      parts.add(
          (migrating.size() == 1 ? "VMI " : "VMIs ")
              + String.join(", ", migrating.subList(0, Math.min(SHOWN, migrating.size())))
              + (migrating.size() > SHOWN ? " and " + (migrating.size() - SHOWN) + " more" : "")
              + " migrating");
    }
    for (Refusal refusal : refused.subList(0, Math.min(SHOWN, refused.size()))) {
      parts.add(refusal.describe());
    }
    if (refused.size() > SHOWN) {
      parts.add((refused.size() - SHOWN) + " more evictions refused");
    }
    for (String error : errors.subList(0, Math.min(SHOWN, errors.size()))) {
      parts.add(error);
    }
    if (errors.size() > SHOWN) {
      parts.add((errors.size() - SHOWN) + " more errors");
    }
    return String.join("; ", parts);
  }
}
