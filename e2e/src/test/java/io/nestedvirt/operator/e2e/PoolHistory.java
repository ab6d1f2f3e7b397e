package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What an autoscaled pool went through, for assertions about all of it rather than its end: every
 * {@code status.desiredReplicas} the operator wrote (a watch of the pool), the most machines that
 * existed at once (a watch of its NestedVirtInstances: from creation until the object is gone), and
 * the most instances moto ran for it at once (sampled every 200 ms; an instance lives seconds).
 */
final class PoolHistory implements AutoCloseable {
  private final List<Integer> desired = new ArrayList<>();
  private final Set<String> machines = new HashSet<>();
  private int maxMachines;
  private int maxInstances;
  private final Watch poolWatch;
  private final Watch machineWatch;
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("pool-history").unstarted(r));

  PoolHistory(KubernetesClient admin, Moto moto, String pool) {
    poolWatch =
        admin
            .resources(NestedVirtPool.class)
            .withName(pool)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, NestedVirtPool p) {
                    Integer value = p.getStatus() == null ? null : p.getStatus().desiredReplicas;
                    synchronized (PoolHistory.this) {
                      if (value != null
                          && (desired.isEmpty() || !Objects.equals(desired.getLast(), value))) {
                        desired.add(value);
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    machineWatch =
        admin
            .resources(NestedVirtInstance.class)
            .withLabel(NestedVirtPool.POOL_LABEL, pool)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, NestedVirtInstance m) {
                    synchronized (PoolHistory.this) {
                      if (action == Action.DELETED) {
                        machines.remove(m.getMetadata().getName());
                      } else {
                        machines.add(m.getMetadata().getName());
                        maxMachines = Math.max(maxMachines, machines.size());
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    sampler.scheduleWithFixedDelay(
        () -> {
          try {
            int running = moto.instances(pool, "pending", "running").size();
            synchronized (this) {
              maxInstances = Math.max(maxInstances, running);
            }
          } catch (RuntimeException e) {
            // moto busy: the next sample counts.
          }
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
  }

  /** Every value {@code status.desiredReplicas} took, in order, repeats folded. */
  synchronized List<Integer> desiredReplicas() {
    return List.copyOf(desired);
  }

  /** The values it took from the {@code since}-th on (as counted by {@link #decisions()}). */
  synchronized List<Integer> desiredReplicasSince(int since) {
    return List.copyOf(desired.subList(Math.min(since, desired.size()), desired.size()));
  }

  /** How many values {@code status.desiredReplicas} has taken so far. */
  synchronized int decisions() {
    return desired.size();
  }

  synchronized int maxMachines() {
    return maxMachines;
  }

  synchronized int maxInstances() {
    return maxInstances;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    poolWatch.close();
    machineWatch.close();
  }
}
