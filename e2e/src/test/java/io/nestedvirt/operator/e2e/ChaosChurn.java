package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What users do to the pools meanwhile, at random (seeded): every 3 to 8 s one of the churned pools
 * is scaled (0 to 4), deleted, or, once its deletion has finished, created again under the same
 * name. The tier also applies pools itself ({@link #apply}).
 */
final class ChaosChurn implements AutoCloseable {
  /** At most this many replicas over all pools, so that two cores keep up. */
  static final int MOST_REPLICAS = 9;

  private final KubernetesClient admin;
  private final ChaosObserver observer;
  private final Random random;
  private final Map<String, List<String>> typesByPool;
  private final List<String> churned;
  private final Thread thread;
  private volatile boolean active;
  private volatile boolean closed;

  final Map<String, AtomicInteger> actions = new ConcurrentHashMap<>();
  final List<String> errors = new CopyOnWriteArrayList<>();

  ChaosChurn(
      KubernetesClient admin,
      ChaosObserver observer,
      long seed,
      Map<String, List<String>> typesByPool,
      List<String> churned) {
    this.admin = admin;
    this.observer = observer;
    this.random = new Random(seed);
    this.typesByPool = typesByPool;
    this.churned = churned;
    thread = Thread.ofPlatform().daemon().name("chaos-churn").start(this::run);
  }

  void active(boolean on) {
    active = on;
  }

  /** Creates the pool (replicas, its types), or sets its replicas if it exists. */
  NestedVirtPool apply(String name, int replicas) {
    var pools = admin.resources(NestedVirtPool.class);
    NestedVirtPool existing = pools.withName(name).get();
    NestedVirtPool written;
    if (existing == null) {
      NestedVirtPool pool = new NestedVirtPool();
      pool.getMetadata().setName(name);
      NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
      spec.replicas = replicas;
      spec.instanceTypes = typesByPool.get(name);
      pool.setSpec(spec);
      written = pools.resource(pool).create();
      count("create");
    } else {
      written =
          pools
              .withName(name)
              .edit(
                  p -> {
                    p.getSpec().replicas = replicas;
                    return p;
                  });
      count("scale");
    }
    observer.wrote(written);
    return written;
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(3000 + random.nextInt(5000));
        if (active) {
          step();
        }
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
    String name = churned.get(random.nextInt(churned.size()));
    NestedVirtPool pool = admin.resources(NestedVirtPool.class).withName(name).get();
    if (pool == null) {
      apply(name, 1 + random.nextInt(3));
      return;
    }
    if (pool.getMetadata().getDeletionTimestamp() != null) {
      count("wait for deletion");
      return;
    }
    if (random.nextDouble() < 0.15) {
      admin.resources(NestedVirtPool.class).withName(name).delete();
      count("delete");
      return;
    }
    int others =
        admin.resources(NestedVirtPool.class).list().getItems().stream()
            .filter(p -> !p.name().equals(name))
            .mapToInt(p -> p.getSpec().replicas)
            .sum();
    int replicas = Math.min(random.nextInt(5), Math.max(0, MOST_REPLICAS - others));
    apply(name, replicas);
  }

  private void count(String action) {
    actions.computeIfAbsent(action, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(10_000);
  }
}
