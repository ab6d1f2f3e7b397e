package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays, for the pods of one namespace, the parts of a cluster that the E2E stack does not run: the
 * kubelet, the ReplicaSet controller and the scheduler. It does openly what they would do, through
 * the same API calls:
 *
 * <ul>
 *   <li>kubelet: when a pod gets a deletionTimestamp (an eviction or a delete), it "stops the
 *       containers" and finishes the deletion with grace period 0, as a kubelet does once they have
 *       exited;
 *   <li>ReplicaSet controller + scheduler: for a deleted pod controlled by a ReplicaSet, it creates
 *       a replacement with the same labels and owner, bound to the spare node;
 *   <li>kubelet on the spare node: it starts the replacement and reports it Running and Ready
 *       through the pods/status subresource, at once or, while replacements are held (a slow image
 *       pull), when they are released.
 * </ul>
 *
 * Events are handled one at a time, in order, on one thread.
 */
final class KubeletStandIn implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final String spareNode;
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final Watch watch;
  private final Set<String> finished = new HashSet<>();
  private final List<String> pendingReplacements = new ArrayList<>();
  private final AtomicInteger replacementCount = new AtomicInteger();
  private boolean holdReplacements;

  /** Each pod as it was when the kubelet finished its deletion, by name. */
  final Map<String, Pod> deletedPods = new ConcurrentHashMap<>();

  /** What went wrong on the worker; a test asserts that it stays empty. */
  final List<String> failures = new CopyOnWriteArrayList<>();

  KubeletStandIn(
      KubernetesClient client, String namespace, String spareNode, boolean holdReplacements) {
    this.client = client;
    this.namespace = namespace;
    this.spareNode = spareNode;
    this.holdReplacements = holdReplacements;
    this.watch =
        client
            .pods()
            .inNamespace(namespace)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.ADDED || action == Action.MODIFIED) {
                      worker.execute(() -> handle(pod));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    failures.add("the kubelet stand-in's watch closed: " + cause);
                  }
                });
  }

  /** The replacements held so far become Ready now, later ones at once. */
  void releaseReplacements() {
    worker.execute(
        () -> {
          holdReplacements = false;
          pendingReplacements.forEach(this::startAndReportReady);
          pendingReplacements.clear();
        });
  }

  private void handle(Pod pod) {
    try {
      if (pod.getMetadata().getDeletionTimestamp() == null
          || !finished.add(pod.getMetadata().getUid())) {
        return;
      }
      deletedPods.put(pod.getMetadata().getName(), pod);
      client
          .pods()
          .inNamespace(namespace)
          .withName(pod.getMetadata().getName())
          .withGracePeriod(0)
          .delete();
      OwnerReference replicaSet = controllerOfKind(pod, "ReplicaSet");
      if (replicaSet != null) {
        String name = replace(pod, replicaSet);
        if (holdReplacements) {
          pendingReplacements.add(name);
        } else {
          startAndReportReady(name);
        }
      }
    } catch (RuntimeException e) {
      failures.add(pod.getMetadata().getName() + ": " + e);
    }
  }

  /** The ReplicaSet controller's new pod, which the scheduler binds to the spare node. */
  private String replace(Pod gone, OwnerReference replicaSet) {
    String name = replicaSet.getName() + "-r" + replacementCount.incrementAndGet();
    client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(gone.getMetadata().getLabels())
                .withOwnerReferences(replicaSet)
                .endMetadata()
                .withNewSpec()
                .withContainers(gone.getSpec().getContainers())
                .withAutomountServiceAccountToken(false)
                .withNodeName(spareNode)
                .endSpec()
                .build())
        .create();
    return name;
  }

  private void startAndReportReady(String name) {
    markReady(client, namespace, name);
  }

  /** What a kubelet reports once a pod's containers run and pass their readiness probe. */
  static Pod markReady(KubernetesClient client, String namespace, String name) {
    String now = Instant.now().toString();
    return client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .withStartTime(now)
                    .withConditions(
                        new PodConditionBuilder()
                            .withType("PodScheduled")
                            .withStatus("True")
                            .withLastTransitionTime(now)
                            .build(),
                        new PodConditionBuilder()
                            .withType("Initialized")
                            .withStatus("True")
                            .withLastTransitionTime(now)
                            .build(),
                        new PodConditionBuilder()
                            .withType("ContainersReady")
                            .withStatus("True")
                            .withLastTransitionTime(now)
                            .build(),
                        new PodConditionBuilder()
                            .withType("Ready")
                            .withStatus("True")
                            .withLastTransitionTime(now)
                            .build())
                    .endStatus()
                    .build());
  }

  static OwnerReference controllerOfKind(Pod pod, String kind) {
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()) && kind.equals(o.getKind()))
        .findFirst()
        .orElse(null);
  }

  @Override
  public void close() throws InterruptedException {
    watch.close();
    worker.shutdown();
    worker.awaitTermination(30, TimeUnit.SECONDS);
  }
}
