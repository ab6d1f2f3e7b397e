package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every state of the {@code Draining} condition that the machines of some pools pass through, from
 * a list and a watch from its resourceVersion (no state falls between two samples): for each
 * machine, its node and the distinct "status reason: message" values in order.
 */
final class MachineDrainWatch implements AutoCloseable {
  private final Set<String> pools;
  private final Map<String, List<String>> states = new LinkedHashMap<>();
  private final Map<String, String> nodes = new LinkedHashMap<>();
  private final Watch watch;
  final List<String> failures = new CopyOnWriteArrayList<>();

  MachineDrainWatch(KubernetesClient client, Set<String> pools) {
    this.pools = pools;
    var machines = client.resources(NestedVirtInstance.class);
    var list = machines.list();
    list.getItems().forEach(this::record);
    watch =
        machines.watch(
            new ListOptionsBuilder()
                .withResourceVersion(list.getMetadata().getResourceVersion())
                .build(),
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, NestedVirtInstance m) {
                record(m);
              }

              @Override
              public void onClose(WatcherException cause) {
                failures.add("the machine watch closed, states may have been missed: " + cause);
              }
            });
  }

  private synchronized void record(NestedVirtInstance m) {
    String pool =
        m.getMetadata().getLabels() == null
            ? null
            : m.getMetadata().getLabels().get(NestedVirtPool.POOL_LABEL);
    if (!pools.contains(pool) || m.getStatus() == null) {
      return;
    }
    String name = m.getMetadata().getName();
    if (m.getStatus().nodeName != null) {
      nodes.put(name, m.getStatus().nodeName);
    }
    for (Condition c : m.getStatus().conditions) {
      if ("Draining".equals(c.type)) {
        List<String> seen = states.computeIfAbsent(name, k -> new ArrayList<>());
        String state = c.status + " " + c.reason + ": " + c.message;
        if (seen.isEmpty() || !seen.getLast().equals(state)) {
          seen.add(state);
        }
      }
    }
  }

  /** The Draining states of the machine whose node was {@code node}, in order. */
  synchronized List<String> statesOfNode(String node) {
    return nodes.entrySet().stream()
        .filter(e -> e.getValue().equals(node))
        .flatMap(e -> states.getOrDefault(e.getKey(), List.of()).stream())
        .toList();
  }

  /** Every machine's Draining states. */
  synchronized Map<String, List<String>> all() {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    states.forEach((k, v) -> copy.put(k + "@" + nodes.get(k), List.copyOf(v)));
    return copy;
  }

  @Override
  public void close() {
    watch.close();
  }
}
