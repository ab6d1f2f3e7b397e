package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows one pool's machines through every state the API server passes through (a list, then a
 * watch from its resourceVersion, as {@link ReadyPodsWatch}) and records the highest number of them
 * that were not being deleted: what a surge budget limits.
 */
final class PoolMachinesWatch implements AutoCloseable {
  private final Map<String, NestedVirtInstance> machines = new TreeMap<>();
  private final Watch watch;
  private int highest;
  private String highestState;
  final List<String> failures = new CopyOnWriteArrayList<>();

  PoolMachinesWatch(KubernetesClient client, String pool) {
    var ofPool =
        client.resources(NestedVirtInstance.class).withLabel(NestedVirtPool.POOL_LABEL, pool);
    var list = ofPool.list();
    synchronized (this) {
      list.getItems().forEach(m -> machines.put(m.getMetadata().getName(), m));
      highest = alive();
      highestState = describe();
    }
    watch =
        ofPool.watch(
            new ListOptionsBuilder()
                .withResourceVersion(list.getMetadata().getResourceVersion())
                .build(),
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, NestedVirtInstance m) {
                record(action, m);
              }

              @Override
              public void onClose(WatcherException cause) {
                failures.add("the watch closed, states may have been missed: " + cause);
              }
            });
  }

  private synchronized void record(Watcher.Action action, NestedVirtInstance m) {
    switch (action) {
      case ADDED, MODIFIED -> machines.put(m.getMetadata().getName(), m);
      case DELETED -> machines.remove(m.getMetadata().getName());
      default -> failures.add("unexpected watch event " + action);
    }
    int now = alive();
    if (now > highest) {
      highest = now;
      highestState = describe();
    }
  }

  private int alive() {
    return (int) machines.values().stream().filter(m -> !m.isDeleting()).count();
  }

  /** The highest number of the pool's machines without a deletionTimestamp at any one time. */
  synchronized int highest() {
    return highest;
  }

  /** The machines when there were most of them, for a failure message. */
  synchronized String highestState() {
    return highestState;
  }

  /** Each machine as name (type): phase, marked for removal or deleting. */
  private String describe() {
    StringBuilder out = new StringBuilder();
    for (NestedVirtInstance m : machines.values()) {
      out.append(m.getMetadata().getName())
          .append(" (")
          .append(m.getSpec() == null ? null : m.getSpec().instanceType)
          .append("): ")
          .append(m.getStatus() == null ? "new" : m.getStatus().phase)
          .append(m.isDeleting() ? ", deleting" : m.isScaleDownVictim() ? ", marked" : "")
          .append("; ");
    }
    return out.toString();
  }

  @Override
  public void close() {
    watch.close();
  }
}
