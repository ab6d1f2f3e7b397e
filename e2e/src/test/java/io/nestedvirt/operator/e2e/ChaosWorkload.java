package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * An app on one pool's nodes, so that its drains take time: one pod on every verified, schedulable
 * node of the pool, owned by a ReplicaSet, under a PodDisruptionBudget of {@code maxUnavailable: 1}
 * that the real disruption controller computes. No scheduler, ReplicaSet controller, kubelet or pod
 * garbage collector runs in this tier, so this plays them openly, once a second: it binds a new pod
 * to each verified node that has none and reports it Ready, finishes an evicted pod's deletion 2 to
 * 4 s after its eviction (its containers stopping), and deletes the pods of Nodes that are gone.
 */
final class ChaosWorkload implements AutoCloseable {
  static final String NAMESPACE = "chaos-app";
  static final String APP = "app";

  /** The disruption controller's DeletionTimeout (pkg/controller/disruption), 2 minutes. */
  static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

  private final KubernetesClient admin;
  private final String pool;
  private final Random random;
  private final Consumer<Pod> onEviction;
  private final ReplicaSet owner;
  private final Thread thread;
  private final Map<String, Long> finishAt = new HashMap<>();
  private volatile boolean closed;

  final AtomicInteger evictions = new AtomicInteger();
  final AtomicInteger podsStarted = new AtomicInteger();
  final List<String> errors = new CopyOnWriteArrayList<>();

  ChaosWorkload(KubernetesClient admin, String pool, long seed, Consumer<Pod> onEviction) {
    this.admin = admin;
    this.pool = pool;
    this.random = new Random(seed);
    this.onEviction = onEviction;
    Workloads.namespace(admin, NAMESPACE);
    owner =
        admin
            .apps()
            .replicaSets()
            .inNamespace(NAMESPACE)
            .resource(Workloads.replicaSet(NAMESPACE, APP, 0))
            .create();
    admin
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(NAMESPACE)
        .resource(
            Workloads.budget(
                NAMESPACE,
                APP,
                b -> b.withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(1))))
        .create();
    thread = Thread.ofPlatform().daemon().name("chaos-workload").start(this::run);
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(1000);
        step();
      } catch (InterruptedException e) {
        return;
      } catch (KubernetesClientException e) {
        if (errors.size() < 20) {
          errors.add(e.getMessage());
        }
      }
    }
  }

  private void step() {
    List<Node> nodes = admin.nodes().list().getItems();
    Set<String> nodeNames =
        nodes.stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
    List<Pod> pods = admin.pods().inNamespace(NAMESPACE).list().getItems();
    long now = System.nanoTime();
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      if (!nodeNames.contains(pod.getSpec().getNodeName())) {
        finish(name); // the pod garbage collector's part: its node is gone
      } else if (pod.getMetadata().getDeletionTimestamp() != null) {
        Long at = finishAt.get(name);
        if (at == null) {
          evictions.incrementAndGet();
          finishAt.put(name, now + (2_000 + random.nextInt(2_000)) * 1_000_000L);
          onEviction.accept(pod);
        } else if (now >= at) {
          finish(name);
        }
      }
    }
    Set<String> occupied =
        pods.stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .map(p -> p.getSpec().getNodeName())
            .filter(nodeNames::contains)
            .collect(Collectors.toSet());
    List<String> toStart = new ArrayList<>();
    for (Node node : nodes) {
      Map<String, String> labels = node.getMetadata().getLabels();
      boolean serving =
          labels != null
              && pool.equals(labels.get(NestedVirtPool.POOL_LABEL))
              && NodeLabels.KVM_VERIFIED.equals(labels.get(NodeLabels.KVM))
              && !Boolean.TRUE.equals(node.getSpec().getUnschedulable());
      String nodeName = node.getMetadata().getName();
      if (serving && !occupied.contains(nodeName)) {
        toStart.add(nodeName);
      }
    }
    // The disruption controller expects as many pods as the ReplicaSet's replicas: they follow
    // the pods that serve, as the app's owner would scale it to its nodes, before the pods
    // change, so that the budget never allows more than one pod down.
    scaleTo(occupied.size() + toStart.size());
    for (String nodeName : toStart) {
      String podName = APP + "-" + podsStarted.incrementAndGet();
      admin
          .pods()
          .inNamespace(NAMESPACE)
          .resource(Workloads.pod(NAMESPACE, podName, nodeName, owner))
          .create();
      KubeletStandIn.markReady(admin, NAMESPACE, podName);
    }
  }

  /**
   * Sets the ReplicaSet's replicas and touches the budget: the disruption controller recomputes a
   * budget when its pods or the budget change, not when the ReplicaSet does.
   */
  private void scaleTo(int replicas) {
    if (owner.getSpec().getReplicas() == replicas) {
      return;
    }
    owner.getSpec().setReplicas(replicas);
    admin
        .apps()
        .replicaSets()
        .inNamespace(NAMESPACE)
        .withName(APP)
        .edit(
            rs -> {
              rs.getSpec().setReplicas(replicas);
              return rs;
            });
    admin
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(NAMESPACE)
        .withName(APP)
        .edit(
            pdb -> {
              pdb.getMetadata()
                  .setAnnotations(Map.of("chaos.nestedvirt.io/replicas", String.valueOf(replicas)));
              return pdb;
            });
  }

  /**
   * Until when the budget counts an eviction whose pod was never deleted, if it does: the API
   * server records an eviction in {@code status.disruptedPods} before it deletes the pod, and when
   * the deletion does not happen (the evicting client died mid-request, or the pod changed since
   * the drainer listed it and the eviction's resourceVersion precondition failed) the disruption
   * controller gives the disruption back only {@link #DELETION_TIMEOUT} after it was recorded. No
   * client can shorten that, so the tier grants it (see OperatorChaos#converge) and counts it.
   */
  Optional<Instant> phantomDisruptionUntil() {
    var budget =
        admin.policy().v1().podDisruptionBudget().inNamespace(NAMESPACE).withName(APP).get();
    if (budget == null
        || budget.getStatus() == null
        || budget.getStatus().getDisruptedPods() == null) {
      return Optional.empty();
    }
    Instant until = null;
    for (var entry : budget.getStatus().getDisruptedPods().entrySet()) {
      Pod pod = admin.pods().inNamespace(NAMESPACE).withName(entry.getKey()).get();
      if (pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
        Instant end = Instant.parse(entry.getValue()).plus(DELETION_TIMEOUT);
        until = until == null || end.isAfter(until) ? end : until;
      }
    }
    return Optional.ofNullable(until);
  }

  private void finish(String name) {
    admin.pods().inNamespace(NAMESPACE).withName(name).withGracePeriod(0).delete();
    finishAt.remove(name);
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(10_000);
  }
}
