package io.nestedvirt.operator.autoscaling;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nestedvirt.operator.demand.PendingPods;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pods and DaemonSets as informers hold them, for the autoscaler: the pending pods (demand), the
 * pods on each node (is it idle), and the DaemonSets that will take room on a new node. Started
 * only once some pool is autoscaled, so a cluster without autoscaled pools pays no watch on every
 * pod. Informers keep retrying when they cannot list (RBAC from an older chart) and say why.
 */
final class ClusterPods implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterPods.class);
  private static final String BY_NODE = "spec.nodeName";

  private final KubernetesClient client;
  private final Runnable onPendingPod;
  private final Consumer<String> onNodeBusy;
  private volatile SharedIndexInformer<Pod> pods;
  private volatile SharedIndexInformer<DaemonSet> daemonSets;

  /**
   * @param onPendingPod called (on an informer thread) for each pod that comes to count as demand
   * @param onNodeBusy called (on an informer thread) with the node of each workload pod (one a
   *     drain would evict) added, changed or deleted there
   */
  ClusterPods(KubernetesClient client, Runnable onPendingPod, Consumer<String> onNodeBusy) {
    this.client = client;
    this.onPendingPod = onPendingPod;
    this.onNodeBusy = onNodeBusy;
  }

  /** Starts the informers unless they run; returns whether both have synced. */
  synchronized boolean startedAndSynced() {
    if (pods == null) {
      log.info("an autoscaled pool exists: watching pods and DaemonSets");
      SharedIndexInformer<Pod> p = client.pods().inAnyNamespace().runnableInformer(0);
      p.addIndexers(
          Map.of(
              BY_NODE,
              pod -> {
                String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
                return node == null || node.isEmpty() ? List.of() : List.of(node);
              }));
      p.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
              if (PendingPods.counts(pod)) {
                onPendingPod.run();
              }
              busy(pod);
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
              if (PendingPods.counts(after) && !PendingPods.counts(before)) {
                onPendingPod.run();
              }
              busy(after);
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
              busy(pod);
            }
          });
      SharedIndexInformer<DaemonSet> d =
          client.apps().daemonSets().inAnyNamespace().runnableInformer(0);
      keepTrying(p, "pods");
      keepTrying(d, "DaemonSets");
      p.start();
      d.start();
      pods = p;
      daemonSets = d;
    }
    return pods.hasSynced() && daemonSets.hasSynced();
  }

  private void busy(Pod pod) {
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (node != null && !node.isEmpty() && IdleNodes.isWorkload(pod, Instant.now())) {
      onNodeBusy.accept(node);
    }
  }

  /** Pods that count as demand now. */
  List<Pod> pending() {
    return pods.getStore().list().stream().filter(PendingPods::counts).toList();
  }

  /** Pods bound to the node. */
  List<Pod> onNode(String node) {
    return pods.getIndexer().byIndex(BY_NODE, node);
  }

  List<DaemonSet> daemonSets() {
    return daemonSets.getStore().list();
  }

  private static void keepTrying(SharedIndexInformer<?> informer, String what) {
    informer.exceptionHandler(
        (started, e) -> {
          log.warn(
              "cannot watch {} ({}): autoscaled pools do not scale until this works; the"
                  + " ClusterRole needs list and watch on them (upgrade the chart)",
              what,
              e.getMessage());
          return true;
        });
  }

  @Override
  public synchronized void close() {
    if (pods != null) {
      pods.stop();
      daemonSets.stop();
    }
  }
}
