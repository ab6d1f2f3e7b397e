package io.nestedvirt.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.cloud.ApiCallListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every meter the operator publishes, named in one place (README "Metrics" lists them; the Grafana
 * dashboard in deploy/ queries them). Prometheus names follow from the dotted names: {@code
 * nestedvirt.aws.api.calls} is scraped as {@code nestedvirt_aws_api_calls_total}.
 *
 * <p>Cardinality is bounded on purpose, since a cluster may hold a thousand pools: per-pool meters
 * are gauges and counters (one series each), histograms have no pool label, and a deleted pool's
 * meters are removed.
 */
public final class OperatorMetrics implements ApiCallListener {
  public static final String POOL = "pool";

  /** Buckets for launch-to-node times: EC2 boots in about a minute, joins take a few. */
  private static final Duration[] NODE_BUCKETS =
      durations("10s", "20s", "30s", "45s", "1m", "90s", "2m", "3m", "5m", "10m", "15m", "30m");

  /** Buckets for drains: pods stop in seconds; a PodDisruptionBudget can hold one for hours. */
  private static final Duration[] DRAIN_BUCKETS =
      durations("1s", "5s", "15s", "30s", "1m", "2m", "5m", "10m", "30m", "1h", "2h");

  private final MeterRegistry registry;
  private final Map<String, PoolGauges> pools = new ConcurrentHashMap<>();
  private final AtomicInteger pendingPods = new AtomicInteger();
  private final AtomicInteger leader = new AtomicInteger();
  private final Map<String, AtomicInteger> unreadable = new ConcurrentHashMap<>();
  private final Timer nodeRegistered;
  private final Timer nodeVerified;
  private final Timer nodeReady;
  private final Timer drain;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.nodeRegistered =
        nodeTimer("nestedvirt.node.registration", "From an instance's launch to its Node");
    this.nodeVerified =
        nodeTimer(
            "nestedvirt.node.verification",
            "From an instance's launch to its node agent's verdict that KVM works");
    this.nodeReady =
        nodeTimer(
            "nestedvirt.node.ready",
            "From an instance's launch to its node being verified, Ready and untainted");
    this.drain =
        Timer.builder("nestedvirt.drain.duration")
            .description("From cordoning a node to all its pods being evicted")
            .serviceLevelObjectives(DRAIN_BUCKETS)
            .register(registry);
    Gauge.builder("nestedvirt.leader", leader, AtomicInteger::get)
        .description("1 while this replica holds the lease and reconciles")
        .register(registry);
    Gauge.builder("nestedvirt.autoscaler.pending.pods", pendingPods, AtomicInteger::get)
        .description("Pending pods that counted as demand at the autoscaler's last decision")
        .register(registry);
  }

  /** With a Prometheus registry, for {@code /metrics}, and the JVM's memory, threads and CPU. */
  public static OperatorMetrics prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return new OperatorMetrics(registry);
  }

  /**
   * Adds the JVM's garbage collection meters ({@code jvm_gc_pause_seconds}, {@code
   * jvm_gc_live_data_size_bytes}: the old generation after a full collection, which is what the
   * memory limit must hold, ...). For the operator process only: they listen to the JVM's
   * collectors for as long as it runs.
   */
  public OperatorMetrics withGcMetrics() {
    new JvmGcMetrics().bindTo(registry);
    return this;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      return prometheus.scrape();
    }
    throw new IllegalStateException("not a Prometheus registry: " + registry.getClass());
  }

  /**
   * One autoscaler decision: how long it took, the pending pods it weighed and the new nodes it
   * planned.
   */
  public void autoscalerDecided(long nanos, int pending, int newNodes) {
    Timer.builder("nestedvirt.autoscaler.decision.duration")
        .description("One decision of the autoscaler over every autoscaled pool")
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    pendingPods.set(pending);
    Counter.builder("nestedvirt.autoscaler.nodes.planned")
        .description("New nodes the autoscaler decided to launch for pending pods")
        .register(registry)
        .increment(newNodes);
  }

  public void leading(boolean leads) {
    leader.set(leads ? 1 : 0);
  }

  // --- reconciles

  public void reconciled(String pool, long nanos) {
    Timer.builder("nestedvirt.reconcile.duration")
        .description("One reconcile of a pool")
        .tag(POOL, pool)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /**
   * Runs one step of a reconcile, timed; a step that throws is counted against the pool and the
   * exception goes on.
   */
  public <T> T step(String pool, String step, java.util.function.Supplier<T> body) {
    long start = System.nanoTime();
    try {
      return body.get();
    } catch (RuntimeException e) {
      stepFailed(pool, step);
      throw e;
    } finally {
      stepTook(step, System.nanoTime() - start);
    }
  }

  /** As {@link #step(String, String, java.util.function.Supplier)} for a step with no result. */
  public void step(String pool, String step, Runnable body) {
    step(
        pool,
        step,
        () -> {
          body.run();
          return null;
        });
  }

  public void stepTook(String step, long nanos) {
    Timer.builder("nestedvirt.reconcile.step.duration")
        .description("One step of a reconcile, over all pools")
        .tag("step", step)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  public void stepFailed(String pool, String step) {
    Counter.builder("nestedvirt.reconcile.errors")
        .description("Reconciles that ended with an exception, by the step that threw")
        .tags(POOL, pool, "step", step)
        .register(registry)
        .increment();
  }

  // --- the cloud

  @Override
  public void requestSent(String service, String operation, Outcome outcome) {
    Counter.builder("nestedvirt.aws.api.calls")
        .description("Requests sent to AWS, retries included, by outcome")
        .tags("service", service, "operation", operation, "outcome", outcome.label())
        .register(registry)
        .increment();
  }

  /** One listing of the cluster's instances (one DescribeInstances per page). */
  public void instancesListed(long nanos, boolean succeeded) {
    Timer.builder("nestedvirt.instance.listing.duration")
        .description("Listings of the cluster's instances, one per refresh period")
        .tag("outcome", succeeded ? "success" : "error")
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  public void launched(String pool, String instanceType, int count) {
    Counter.builder("nestedvirt.instances.launched")
        .description("Instances EC2 launched for a pool")
        .tags(POOL, pool, "instance_type", instanceType)
        .register(registry)
        .increment(count);
  }

  /** A drifted or expired machine of the pool was drained and deleted; its successor serves. */
  public void replaced(String pool, String reason) {
    Counter.builder("nestedvirt.nodes.replaced")
        .description(
            "Nodes of a pool replaced because they drifted, expired or had a change scheduled by EC2")
        .tags(POOL, pool, "reason", reason)
        .register(registry)
        .increment();
  }

  /** A notice of EC2's about an instance (a Spot interruption, a scheduled change, ...) handled. */
  public void interruptionNotice(String kind, String outcome) {
    Counter.builder("nestedvirt.interruption.notices")
        .description("EC2's notices about instances, by kind and by what the operator did")
        .tags("kind", kind, "outcome", outcome)
        .register(registry)
        .increment();
  }

  /** A read of the interruption queue failed (the queue is missing, access denied, unreachable). */
  public void interruptionQueueFailed() {
    Counter.builder("nestedvirt.interruption.queue.errors")
        .description("Reads of the interruption queue that failed")
        .register(registry)
        .increment();
  }

  public void terminated(String pool, int count) {
    Counter.builder("nestedvirt.instances.terminated")
        .description("Instances of a pool the operator terminated")
        .tag(POOL, pool)
        .register(registry)
        .increment(count);
  }

  public void leakedInstancesCollected(int count) {
    Counter.builder("nestedvirt.leaked.instances.collected")
        .description("Instances tagged for this cluster whose pool is gone, terminated")
        .register(registry)
        .increment(count);
  }

  public void orphanNodeDeleted() {
    Counter.builder("nestedvirt.orphan.nodes.deleted")
        .description("Nodes of a pool whose instance is gone, deleted")
        .register(registry)
        .increment();
  }

  // --- nodes

  public void nodeRegistered(Duration sinceLaunch) {
    nodeRegistered.record(nonNegative(sinceLaunch));
  }

  public void nodeVerified(Duration sinceLaunch) {
    nodeVerified.record(nonNegative(sinceLaunch));
  }

  public void nodeReady(Duration sinceLaunch) {
    nodeReady.record(nonNegative(sinceLaunch));
  }

  public void drained(Duration took) {
    drain.record(nonNegative(took));
  }

  public void evictionsRefused(String pool, int count) {
    Counter.builder("nestedvirt.eviction.retries")
        .description("Evictions refused (HTTP 429, a PodDisruptionBudget) and retried later")
        .tag(POOL, pool)
        .register(registry)
        .increment(count);
  }

  // --- events

  public void eventRecorded(String reason, String type) {
    Counter.builder("nestedvirt.events")
        .description("Kubernetes Events recorded, by reason")
        .tags("reason", reason, "type", type)
        .register(registry)
        .increment();
  }

  // --- objects this version cannot read

  /**
   * How many objects of {@code kind} this version currently cannot read (and so leaves alone):
   * {@code nestedvirt_unreadable_objects{kind}}. A gauge, not a counter, so an alert can fire while
   * one is there and clear once it is fixed or the operator upgraded.
   */
  public void unreadableObjects(String kind, int count) {
    unreadable
        .computeIfAbsent(
            kind,
            k -> {
              AtomicInteger holder = new AtomicInteger();
              Gauge.builder("nestedvirt.unreadable.objects", holder, AtomicInteger::get)
                  .description(
                      "Objects of our kinds this operator version cannot read; they are skipped")
                  .tags("kind", k)
                  .register(registry);
              return holder;
            })
        .set(count);
  }

  // --- pools

  /**
   * The pool's sizes as its last reconcile reported them.
   *
   * @param byPhase instances per phase, every phase present (zeros too), so no series goes stale
   */
  public void poolObserved(
      String pool, int desired, int ready, int outdated, Map<String, Integer> byPhase) {
    PoolGauges g = pools.computeIfAbsent(pool, p -> new PoolGauges(registry, p));
    g.desired.set(desired);
    g.ready.set(ready);
    g.outdated.set(outdated);
    byPhase.forEach((phase, count) -> g.phase(phase).set(count));
  }

  /** A deleted pool's series end, so that pool churn does not grow the registry. */
  public void poolDeleted(String pool) {
    pools.remove(pool);
    List<Meter> own =
        registry.getMeters().stream().filter(m -> pool.equals(m.getId().getTag(POOL))).toList();
    own.forEach(registry::remove);
  }

  /** Gauges per pool; they read these holders, which the registry references weakly. */
  private static final class PoolGauges {
    final AtomicInteger desired = new AtomicInteger();
    final AtomicInteger ready = new AtomicInteger();
    final AtomicInteger outdated = new AtomicInteger();
    final Map<String, AtomicInteger> phases = new ConcurrentHashMap<>();
    final MeterRegistry registry;
    final String pool;

    PoolGauges(MeterRegistry registry, String pool) {
      this.registry = registry;
      this.pool = pool;
      Gauge.builder("nestedvirt.pool.desired.replicas", desired, AtomicInteger::get)
          .description("machines the pool is to have: spec.replicas, or the autoscaler's decision")
          .tag(POOL, pool)
          .register(registry);
      Gauge.builder("nestedvirt.pool.ready.replicas", ready, AtomicInteger::get)
          .description("Nodes of the pool verified and Ready")
          .tag(POOL, pool)
          .register(registry);
      Gauge.builder("nestedvirt.pool.outdated.replicas", outdated, AtomicInteger::get)
          .description("Nodes of the pool that drifted or expired, to be replaced")
          .tag(POOL, pool)
          .register(registry);
    }

    AtomicInteger phase(String phase) {
      return phases.computeIfAbsent(
          phase,
          p -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("nestedvirt.pool.instances", count, AtomicInteger::get)
                .description("Instances of the pool by phase")
                .tags(Tags.of(POOL, pool, "phase", p))
                .register(registry);
            return count;
          });
    }
  }

  private Timer nodeTimer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(NODE_BUCKETS)
        .register(registry);
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static Duration[] durations(String... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Durations.parse(values[i]);
    }
    return out;
  }
}
