package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Counts, through every state the API server passes through (a list, then a watch from its
 * resourceVersion), the nodes KubeVirt is evacuating VMs from: distinct {@code
 * status.evacuationNodeName} of the VMIs of one namespace. That is what KubeVirt's migration limits
 * are about: a node whose VMs are marked has its drain under way. Records the highest count and
 * which VMIs made it.
 */
final class EvacuatingNodesWatch implements AutoCloseable {
  private final Map<String, String> evacuating = new TreeMap<>();
  private final Watch watch;
  private int highest;
  private String highestState = "";
  final List<String> failures = new CopyOnWriteArrayList<>();

  EvacuatingNodesWatch(KubernetesClient client, String namespace) {
    var vmis = KubeVirtObjects.vmis(client).inNamespace(namespace);
    var list = vmis.list();
    list.getItems().forEach(v -> record(Watcher.Action.ADDED, v));
    watch =
        vmis.watch(
            new ListOptionsBuilder()
                .withResourceVersion(list.getMetadata().getResourceVersion())
                .build(),
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, GenericKubernetesResource vmi) {
                record(action, vmi);
              }

              @Override
              public void onClose(WatcherException cause) {
                failures.add("the VMI watch closed, states may have been missed: " + cause);
              }
            });
  }

  private synchronized void record(Watcher.Action action, GenericKubernetesResource vmi) {
    String name = vmi.getMetadata().getName();
    var node = KubeVirtObjects.evacuationNode(vmi);
    if (action == Watcher.Action.DELETED || node.isEmpty()) {
      evacuating.remove(name);
    } else {
      evacuating.put(name, node.get());
    }
    int now = new TreeSet<>(evacuating.values()).size();
    if (now > highest) {
      highest = now;
      highestState = evacuating.toString();
    }
  }

  /** The most nodes evacuated at once. */
  synchronized int highest() {
    return highest;
  }

  /** The VMIs and their evacuation nodes when the count was highest. */
  synchronized String highestState() {
    return highestState;
  }

  @Override
  public void close() {
    watch.close();
  }
}
