package io.nestedvirt.sandbox.scheduler;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's stand-in for kube-scheduler: it places the pods that the default scheduler would
 * (no {@code nodeName}, {@code schedulerName} unset or {@code default-scheduler}, not terminating,
 * not finished, no scheduling gates), highest priority and oldest first. A pod that fits a node
 * ({@link NodeFit}: cordon, taints, node selector and required node affinity, requests against
 * allocatable less the requests of the pods already there) is bound through the binding subresource
 * to the feasible node with the most room left (the default scheduler's least-allocated scoring);
 * one that fits nowhere gets {@code PodScheduled=False} with reason {@code Unschedulable} and the
 * scheduler's message ({@code 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match
 * Pod's node affinity/selector.}), which is what the operator reads as demand. Both are also
 * recorded as the scheduler's Events ({@code Scheduled}, {@code FailedScheduling}). Every change to
 * a pod or a node (one joins, is verified, gains the add-ons' devices) tries the pending pods
 * again.
 *
 * <p>It is written from kube-scheduler's documented behaviour, deliberately independent of the
 * operator's own fit code ({@code io.nestedvirt.operator} plans nodes for pending pods): it checks
 * that code rather than sharing its mistakes. Not simulated: preemption, scoring beyond least
 * allocated, pod (anti-)affinity, topology spread, volumes and ports; the real kube-scheduler runs
 * in the e2e tier.
 *
 * <p>All work runs on one thread; API errors are logged and the pass is tried again a second later.
 */
public final class PodBinder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodBinder.class);

  static final String DEFAULT_SCHEDULER = "default-scheduler";
  static final String POD_SCHEDULED = "PodScheduled";
  static final String UNSCHEDULABLE = "Unschedulable";

  /** Changes that come together (a node's status and its labels) are looked at once. */
  private static final Duration COALESCE = Duration.ofMillis(50);

  private static final Duration RETRY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final Clock clock;
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("sandbox-scheduler").unstarted(r));
  private final AtomicBoolean passDue = new AtomicBoolean();
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Node> nodes;
  private volatile boolean closed;

  // Worker thread only: pods bound whose binding the pod cache does not show yet (uid -> node).
  private final Map<String, String> assumed = new HashMap<>();

  public PodBinder(KubernetesClient client) {
    this(client, Clock.systemUTC());
  }

  PodBinder(KubernetesClient client, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Starts following pods and nodes; returns once both caches are filled. */
  public PodBinder start() {
    pods = client.pods().inAnyNamespace().inform(onAnyChange());
    nodes = client.nodes().inform(onAnyChange());
    requestPass();
    return this;
  }

  private <T> ResourceEventHandler<T> onAnyChange() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        requestPass();
      }

      @Override
      public void onUpdate(T before, T after) {
        requestPass();
      }

      @Override
      public void onDelete(T obj, boolean unknownFinalState) {
        requestPass();
      }
    };
  }

  private void requestPass() {
    if (closed || !passDue.compareAndSet(false, true)) {
      return;
    }
    try {
      worker.schedule(this::pass, COALESCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // Closed meanwhile.
    }
  }

  private void retryLater() {
    try {
      worker.schedule(this::requestPass, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // Closed meanwhile.
    }
  }

  /** One look at every pending pod against the nodes as the caches have them now. */
  private void pass() {
    passDue.set(false);
    if (closed) {
      return;
    }
    try {
      List<Node> candidates = nodes.getStore().list();
      List<Pod> all = pods.getStore().list();
      Map<String, Pod> byUid = new HashMap<>();
      all.forEach(p -> byUid.put(p.getMetadata().getUid(), p));
      assumed.keySet().removeIf(uid -> byUid.get(uid) == null || bound(byUid.get(uid)));
      Room room = new Room();
      for (Pod pod : all) {
        String node = bound(pod) ? pod.getSpec().getNodeName() : assumed.get(uid(pod));
        if (node != null && !finished(pod)) {
          room.take(node, PodRequests.of(pod));
        }
      }
      List<Pod> pending =
          all.stream()
              .filter(PodBinder::waitsForDefaultScheduler)
              .filter(p -> !assumed.containsKey(uid(p)))
              .sorted(QUEUE_ORDER)
              .toList();
      for (Pod pod : pending) {
        schedule(pod, candidates, room);
      }
    } catch (RuntimeException e) {
      LOG.warn("sandbox scheduler: a pass failed, will retry: {}", e.toString(), e);
      retryLater();
    }
  }

  private void schedule(Pod pod, List<Node> candidates, Room room) {
    Map<String, BigDecimal> requests = PodRequests.of(pod);
    Map<String, Integer> histogram = new TreeMap<>();
    Node best = null;
    BigDecimal bestScore = null;
    for (Node node : candidates) {
      String name = node.getMetadata().getName();
      List<String> reasons = NodeFit.reasons(pod, requests, node, room.used(name), room.pods(name));
      if (!reasons.isEmpty()) {
        reasons.forEach(r -> histogram.merge(r, 1, Integer::sum));
        continue;
      }
      BigDecimal score = leastAllocated(requests, NodeFit.allocatable(node), room.used(name));
      if (best == null
          || score.compareTo(bestScore) > 0
          || (score.compareTo(bestScore) == 0
              && name.compareTo(best.getMetadata().getName()) < 0)) {
        best = node;
        bestScore = score;
      }
    }
    if (best == null) {
      markUnschedulable(pod, message(candidates.size(), histogram));
      return;
    }
    String node = best.getMetadata().getName();
    if (bind(pod, node)) {
      assumed.put(uid(pod), node);
      room.take(node, requests);
    }
  }

  private boolean bind(Pod pod, String node) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    try {
      client
          .bindings()
          .inNamespace(namespace)
          .resource(
              new BindingBuilder()
                  .withNewMetadata()
                  .withNamespace(namespace)
                  .withName(name)
                  .withUid(pod.getMetadata().getUid())
                  .endMetadata()
                  .withNewTarget()
                  .withApiVersion("v1")
                  .withKind("Node")
                  .withName(node)
                  .endTarget()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        LOG.warn("sandbox scheduler: binding {}/{} failed: {}", namespace, name, e.getMessage());
        retryLater();
      }
      return false;
    }
    LOG.info("sandbox scheduler: bound {}/{} to {}", namespace, name, node);
    event(
        pod,
        "Normal",
        "Scheduled",
        "Successfully assigned " + namespace + "/" + name + " to " + node);
    return true;
  }

  /** Writes PodScheduled=False (Unschedulable) unless the pod says so already. */
  private void markUnschedulable(Pod pod, String message) {
    PodCondition current = scheduledCondition(pod);
    if (current != null
        && "False".equals(current.getStatus())
        && UNSCHEDULABLE.equals(current.getReason())
        && message.equals(current.getMessage())) {
      return;
    }
    String now =
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    PodCondition condition =
        new PodConditionBuilder()
            .withType(POD_SCHEDULED)
            .withStatus("False")
            .withReason(UNSCHEDULABLE)
            .withMessage(message)
            .withLastTransitionTime(
                current != null && "False".equals(current.getStatus())
                    ? current.getLastTransitionTime()
                    : now)
            .build();
    Pod updated = client.getKubernetesSerialization().clone(pod);
    List<PodCondition> conditions = new ArrayList<>();
    if (updated.getStatus() == null) {
      updated.setStatus(new PodStatus());
    }
    if (updated.getStatus().getConditions() != null) {
      updated.getStatus().getConditions().stream()
          .filter(c -> !POD_SCHEDULED.equals(c.getType()))
          .forEach(conditions::add);
    }
    conditions.add(condition);
    updated.getStatus().setConditions(conditions);
    if (updated.getStatus().getPhase() == null) {
      updated.getStatus().setPhase("Pending");
    }
    try {
      client.pods().resource(updated).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        // A conflict: the pod changed meanwhile; its change brings another pass, this one too.
        retryLater();
      }
      return;
    }
    event(pod, "Warning", "FailedScheduling", message);
  }

  private void event(Pod pod, String type, String reason, String message) {
    String now =
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    try {
      client
          .v1()
          .events()
          .inNamespace(pod.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(
                      pod.getMetadata().getName()
                          + "."
                          + UUID.randomUUID().toString().substring(0, 8))
                  .withNamespace(pod.getMetadata().getNamespace())
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion("v1")
                  .withKind("Pod")
                  .withNamespace(pod.getMetadata().getNamespace())
                  .withName(pod.getMetadata().getName())
                  .withUid(pod.getMetadata().getUid())
                  .endInvolvedObject()
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withNewSource()
                  .withComponent(DEFAULT_SCHEDULER)
                  .endSource()
                  .withReportingComponent(DEFAULT_SCHEDULER)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.debug(
          "sandbox scheduler: event for {} not recorded: {}",
          pod.getMetadata().getName(),
          e.toString());
    }
  }

  /**
   * The scheduler's message for a pod that fits no node: {@code 0/N nodes are available: } and each
   * reason with the number of nodes it turned away, sorted, or {@code no nodes available to
   * schedule pods} when there is no node at all.
   */
  static String message(int nodes, Map<String, Integer> histogram) {
    if (nodes == 0) {
      return "no nodes available to schedule pods";
    }
    List<String> parts = new ArrayList<>();
    histogram.forEach((reason, count) -> parts.add(count + " " + reason));
    parts.sort(null);
    return "0/" + nodes + " nodes are available: " + String.join(", ", parts) + ".";
  }

  /** The mean share of cpu and memory left free on the node once the pod is there. */
  private static BigDecimal leastAllocated(
      Map<String, BigDecimal> requests,
      Map<String, BigDecimal> allocatable,
      Map<String, BigDecimal> used) {
    BigDecimal sum = BigDecimal.ZERO;
    for (String resource : List.of("cpu", "memory")) {
      BigDecimal capacity = allocatable.getOrDefault(resource, BigDecimal.ZERO);
      if (capacity.signum() <= 0) {
        continue;
      }
      BigDecimal left =
          capacity
              .subtract(used.getOrDefault(resource, BigDecimal.ZERO))
              .subtract(requests.getOrDefault(resource, BigDecimal.ZERO));
      sum = sum.add(left.divide(capacity, MathContext.DECIMAL64));
    }
    return sum;
  }

  static boolean waitsForDefaultScheduler(Pod pod) {
    String scheduler = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
    return pod.getSpec() != null
        && !bound(pod)
        && (scheduler == null || scheduler.isEmpty() || DEFAULT_SCHEDULER.equals(scheduler))
        && pod.getMetadata().getDeletionTimestamp() == null
        && !finished(pod)
        && (pod.getSpec().getSchedulingGates() == null
            || pod.getSpec().getSchedulingGates().isEmpty());
  }

  private static boolean bound(Pod pod) {
    return pod.getSpec() != null
        && pod.getSpec().getNodeName() != null
        && !pod.getSpec().getNodeName().isEmpty();
  }

  private static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static PodCondition scheduledCondition(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> POD_SCHEDULED.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static String uid(Pod pod) {
    return pod.getMetadata().getUid();
  }

  /** Highest priority first, then the oldest, then by name: the scheduling queue's order. */
  private static final Comparator<Pod> QUEUE_ORDER =
      Comparator.<Pod>comparingInt(
              p -> p.getSpec().getPriority() == null ? 0 : -p.getSpec().getPriority())
          .thenComparing(p -> Objects.toString(p.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());

  /** What the pods on each node request, as this pass has it. */
  private static final class Room {
    private final Map<String, Map<String, BigDecimal>> used = new HashMap<>();
    private final Map<String, Integer> pods = new HashMap<>();

    void take(String node, Map<String, BigDecimal> requests) {
      PodRequests.add(used.computeIfAbsent(node, n -> new TreeMap<>()), requests);
      pods.merge(node, 1, Integer::sum);
    }

    Map<String, BigDecimal> used(String node) {
      return used.getOrDefault(node, Map.of());
    }

    int pods(String node) {
      return pods.getOrDefault(node, 0);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (pods != null) {
      pods.close();
    }
    if (nodes != null) {
      nodes.close();
    }
    worker.shutdownNow();
  }
}
