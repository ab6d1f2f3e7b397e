package io.nestedvirt.operator.node.drain;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.kubevirt.LauncherPods;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains a node one step at a time: cordon, then evict (or, forced, delete) every pod that has to
 * go. Never waits: each call sends the requests that can be sent now and reports the rest in a
 * {@link DrainStep}; the caller calls again (after a back-off when evictions were refused) until
 * {@link DrainStep#done()}.
 *
 * <p>Requests per call: get the node, patch it once (first call only), list the node's pods, one
 * request per pod that has to go, and, when evictions were refused, one list of
 * PodDisruptionBudgets per namespace concerned (to name them).
 *
 * <p>KubeVirt answers the eviction of a virt-launcher pod whose VM is to move with 429 while it
 * migrates the VM (virt-api's eviction interceptor); such answers are reported as migrations in
 * progress, not as refusals, and the drain keeps evicting on its usual back-off until the source
 * pod has completed.
 */
public final class NodeDrainer {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDrainer.class);

  /** Sets only spec.unschedulable; labels, taints and the rest of the node stay as they are. */
  private static final String CORDON = "{\"spec\":{\"unschedulable\":true}}";

  private static final String UNCORDON = "{\"spec\":{\"unschedulable\":false}}";

  private final KubernetesClient client;
  private final PodEvictions evictions;
  private final Clock clock;
  private final VmInventory vms;

  public NodeDrainer(KubernetesClient client) {
    this(client, Clock.systemUTC(), VmInventory.NONE);
  }

  /**
   * With the operator's clock, which decides when a terminating pod is overdue or abandoned, and
   * the VMs on each node.
   */
  public NodeDrainer(KubernetesClient client, Clock clock, VmInventory vms) {
    this.client = client;
    this.evictions = new PodEvictions(client);
    this.clock = clock;
    this.vms = vms;
  }

  /**
   * One drain step for the node.
   *
   * @param force delete pods directly instead of evicting them, so PodDisruptionBudgets cannot hold
   *     the drain (the caller decides when that is allowed, typically after its drain timeout)
   * @throws KubernetesClientException when the node cannot be cordoned or its pods cannot be listed
   */
  public DrainStep drain(String nodeName, boolean force) {
    boolean ready = cordon(nodeName);
    List<Pod> pods =
        client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).list().getItems();
    Map<String, Vm> vmsOnNode =
        vms.onNode(nodeName).stream().collect(Collectors.toMap(Vm::key, Function.identity()));
    List<DrainPlanner.Decision> plan =
        DrainPlanner.plan(pods, force, ready, clock.instant(), vmsOnNode);

    int left = 0;
    int terminating = 0;
    int evicted = 0;
    List<Pod> refusedPods = new ArrayList<>();
    List<String> migrating = new ArrayList<>();
    List<DrainStep.Refusal> pinned = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (DrainPlanner.Decision decision : plan) {
      if (!decision.action().blocksDrain()) {
        continue;
      }
      if (decision.action() == DrainPlanner.Action.AWAIT_TERMINATION) {
        left++;
        terminating++;
        continue;
      }
      PodEvictions.Outcome outcome;
      try {
        outcome =
            switch (decision.action()) {
              case EVICT -> evictions.evict(decision.pod());
              case DELETE -> evictions.delete(decision.pod(), false);
              case DELETE_NOW -> evictions.delete(decision.pod(), true);
              case AWAIT_TERMINATION, SKIP ->
                  throw new IllegalStateException(decision.action() + " sends no request");
            };
      } catch (KubernetesClientException e) {
        // Reported in the step; the caller shows it in a condition, so one line here is enough.
        LOG.warn(
            "node {}: {} of {} failed: {}",
            nodeName,
            decision.action(),
            decision.podKey(),
            reason(e));
        errors.add(decision.podKey() + ": " + reason(e));
        left++;
        continue;
      }
      if (outcome == PodEvictions.Outcome.GONE) {
        continue;
      }
      left++;
      if (outcome == PodEvictions.Outcome.ACCEPTED) {
        terminating++;
        evicted++;
        LOG.info("node {}: {} {} accepted", nodeName, decision.action(), decision.podKey());
      } else if (outcome == PodEvictions.Outcome.REFUSED) {
        Vm vm = LauncherPods.vmiKey(decision.pod()).map(vmsOnNode::get).orElse(null);
        if (vm != null && vm.moving()) {
          migrating.add(vm.key());
        } else if (vm != null && vm.pinsNode()) {
          pinned.add(new DrainStep.Refusal(decision.podKey(), List.of(), pinnedBecause(vm)));
        } else {
          refusedPods.add(decision.pod());
        }
      }
    }
    List<DrainStep.Refusal> refusals = new ArrayList<>(pinned);
    refusals.addAll(name(refusedPods));
    DrainStep step =
        new DrainStep(nodeName, left == 0, left, terminating, evicted, refusals, migrating, errors);
    LOG.debug("node {}: {}", nodeName, step.summary());
    return step;
  }

  /**
   * Marks the node unschedulable unless it already is; a node that is gone needs no cordon. Returns
   * whether the node is Ready (as read before the cordon; a node that is gone is not).
   */
  private boolean cordon(String nodeName) {
    Node node = client.nodes().withName(nodeName).get();
    if (node == null) {
      return false;
    }
    boolean ready = NodeConditions.isReady(node);
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return ready;
    }
    try {
      client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), CORDON);
      LOG.info("node {}: cordoned", nodeName);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      return false;
    }
    return ready;
  }

  /**
   * Makes the node schedulable again, for a drain that was taken back; a node that is gone or
   * already schedulable is left alone.
   */
  public void uncordon(String nodeName) {
    Node node = client.nodes().withName(nodeName).get();
    if (node == null
        || node.getSpec() == null
        || !Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return;
    }
    try {
      client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), UNCORDON);
      LOG.info("node {}: uncordoned", nodeName);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static String pinnedBecause(Vm vm) {
    return "VMI "
        + vm.key()
        + " has eviction strategy LiveMigrate but is not live-migratable"
        + (vm.notMigratableBecause() == null || vm.notMigratableBecause().isEmpty()
            ? ""
            : " (" + vm.notMigratableBecause() + ")");
  }

  /** Finds the budgets that cover each refused pod, one list per namespace. */
  private List<DrainStep.Refusal> name(List<Pod> refusedPods) {
    Map<String, List<PodDisruptionBudget>> byNamespace = new HashMap<>();
    List<DrainStep.Refusal> refusals = new ArrayList<>();
    for (Pod pod : refusedPods) {
      List<PodDisruptionBudget> budgets =
          byNamespace.computeIfAbsent(pod.getMetadata().getNamespace(), this::budgets);
      refusals.add(
          new DrainStep.Refusal(DrainPlanner.key(pod), DisruptionBudgets.covering(pod, budgets)));
    }
    return refusals;
  }

  /** The namespace's budgets; none when they cannot be read (they only name the refusal). */
  private List<PodDisruptionBudget> budgets(String namespace) {
    try {
      return client.policy().v1().podDisruptionBudget().inNamespace(namespace).list().getItems();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot list PodDisruptionBudgets in {}: {}", namespace, reason(e));
      return List.of();
    }
  }

  private static String reason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getCode() + " " + e.getStatus().getMessage();
    }
    return e.getMessage();
  }
}
