package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows the Ready, non-terminating pods of one app through every state the API server passes
 * through: it lists the pods once, then watches from that list's resourceVersion, so each write to
 * any of them is one event, seen in order. Stronger than sampling every few milliseconds: no state
 * falls between two samples. Records the lowest count and what the pods looked like then.
 */
final class ReadyPodsWatch implements AutoCloseable {
  private final Map<String, Pod> pods = new TreeMap<>();
  private final Watch watch;
  private int lowest;
  private String lowestState;
  private int events;
  final List<String> failures = new CopyOnWriteArrayList<>();

  ReadyPodsWatch(KubernetesClient client, String namespace, String app) {
    PodList list = client.pods().inNamespace(namespace).withLabel("app", app).list();
    synchronized (this) {
      list.getItems().forEach(p -> pods.put(p.getMetadata().getName(), p));
      lowest = ready();
      lowestState = describe();
    }
    watch =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel("app", app)
            .watch(
                new ListOptionsBuilder()
                    .withResourceVersion(list.getMetadata().getResourceVersion())
                    .build(),
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    record(action, pod);
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    failures.add("the watch closed, states may have been missed: " + cause);
                  }
                });
  }

  private synchronized void record(Watcher.Action action, Pod pod) {
    events++;
    switch (action) {
      case ADDED, MODIFIED -> pods.put(pod.getMetadata().getName(), pod);
      case DELETED -> pods.remove(pod.getMetadata().getName());
      default -> failures.add("unexpected watch event " + action);
    }
    int now = ready();
    if (now < lowest) {
      lowest = now;
      lowestState = describe();
    }
  }

  /** Ready and not terminating: what a Service would send traffic to, and what a PDB counts. */
  static boolean readyAndRunning(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  synchronized int ready() {
    return (int) pods.values().stream().filter(ReadyPodsWatch::readyAndRunning).count();
  }

  synchronized int lowest() {
    return lowest;
  }

  /** The pods when the count was lowest, for a failure message. */
  synchronized String lowestState() {
    return lowestState;
  }

  synchronized int events() {
    return events;
  }

  /** The pods now, each as name@node and its state. */
  synchronized String describe() {
    StringBuilder out = new StringBuilder();
    for (Pod pod : pods.values()) {
      out.append(pod.getMetadata().getName())
          .append('@')
          .append(pod.getSpec().getNodeName())
          .append(
              pod.getMetadata().getDeletionTimestamp() != null
                  ? " terminating"
                  : readyAndRunning(pod) ? " ready" : " not-ready")
          .append("; ");
    }
    return out.toString();
  }

  @Override
  public void close() {
    watch.close();
  }
}
