package io.nestedvirt.operator.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: probes KVM at start and then periodically, and reports each verdict on its own
 * Node. It is ready once its first verdict is written.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private final Supplier<KvmVerdict> probe;
  private final NodeConditionWriter writer;
  private final String nodeName;
  private final Duration interval;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("kvm-probe").unstarted(r));
  private final AtomicBoolean reported = new AtomicBoolean();
  private final AtomicReference<KvmVerdict> last = new AtomicReference<>();

  public NodeAgent(
      Supplier<KvmVerdict> probe,
      NodeConditionWriter writer,
      String nodeName,
      Duration interval,
      Clock clock,
      MeterRegistry metrics) {
    this.probe = probe;
    this.writer = writer;
    this.nodeName = nodeName;
    this.interval = interval;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Probes now, then every interval. */
  public NodeAgent start() {
    timer.scheduleWithFixedDelay(
        this::probeAndReport, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** One probe and its report; never throws (a failed write is retried next interval). */
  public void probeAndReport() {
    Timer.Sample sample = Timer.start(metrics);
    KvmVerdict verdict = probe.get();
    sample.stop(metrics.timer("nestedvirt_agent_probe_duration"));
    Counter.builder("nestedvirt_agent_probes")
        .tag("result", verdict.verified() ? "verified" : verdict.reason())
        .register(metrics)
        .increment();
    KvmVerdict previous = last.getAndSet(verdict);
    if (previous == null || previous.verified() != verdict.verified()) {
      log.info(
          "node {}: NestedVirtualizationReady={} ({}): {}",
          nodeName,
          verdict.verified(),
          verdict.reason(),
          verdict.message());
    }
    try {
      writer.write(nodeName, verdict, clock.instant());
      reported.set(true);
    } catch (RuntimeException e) {
      log.warn("node {}: could not write the verdict: {}", nodeName, e.getMessage());
    }
  }

  /** Ready once a verdict has reached the API server. */
  public boolean ready() {
    return reported.get();
  }

  /** For {@code /readyz}: ready once the first verdict is on the Node. */
  public Optional<String> readiness() {
    return ready() ? Optional.empty() : Optional.of("no verdict written to the node yet");
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
