package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.node.drain.DrainStep;
import io.nestedvirt.operator.node.drain.NodeDrainer;
import io.nestedvirt.operator.pool.GarbageCollector;
import io.nestedvirt.operator.pool.InstanceInventory;
import io.nestedvirt.operator.pool.LaunchConfigResolver;
import io.nestedvirt.operator.pool.NodeDrains;
import io.nestedvirt.operator.pool.PoolReconciler;
import io.nestedvirt.operator.pool.PoolSettings;
import io.nestedvirt.operator.pool.UnavailableOfferings;
import io.nestedvirt.operator.pool.UserDataFactory;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator's controllers wired onto JOSDK, shared by the {@code run} and {@code sandbox}
 * commands and by the integration tests, so all three run the same code.
 */
public final class OperatorRuntime implements AutoCloseable {
  private final Operator operator;
  private final ScheduledExecutorService collector;

  private OperatorRuntime(Operator operator, ScheduledExecutorService collector) {
    this.operator = operator;
    this.collector = collector;
  }

  /**
   * Starts reconciling; returns once the informers and the first instance listing are in place.
   *
   * @param serverSideApply JOSDK's production default; off only for API servers without it (the
   *     sandbox's embedded one)
   */
  public static OperatorRuntime start(
      KubernetesClient client,
      CloudProvider cloud,
      PoolSettings settings,
      Supplier<String> kubernetesVersion,
      Clock clock,
      boolean serverSideApply) {
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withUseSSAToPatchPrimaryResource(serverSideApply));
    InstanceInventory inventory = new InstanceInventory(cloud, settings.refreshPeriod());
    PoolReconciler pools =
        new PoolReconciler(
            cloud,
            inventory,
            new LaunchConfigResolver(cloud, kubernetesVersion, clock, settings.resolveCacheTtl()),
            new UnavailableOfferings(clock, settings.offeringCooldown()),
            new EventRecorder(client, clock),
            drains(new NodeDrainer(client)),
            new UserDataFactory(client, settings.cluster(), settings.operatorNamespace()),
            settings,
            clock);
    operator.register(pools);
    operator.start();
    GarbageCollector gc =
        new GarbageCollector(cloud, inventory, client, clock, settings.launchGrace());
    ScheduledExecutorService collector =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("garbage-collector").unstarted(r));
    long period = settings.refreshPeriod().toMillis();
    collector.scheduleWithFixedDelay(gc::collect, period, period, TimeUnit.MILLISECONDS);
    return new OperatorRuntime(operator, collector);
  }

  private static NodeDrains drains(NodeDrainer drainer) {
    return (node, force) -> {
      DrainStep step = drainer.drain(node, force);
      return new NodeDrains.Step(step.done(), step.summary(), step.evictionsRefused());
    };
  }

  @Override
  public void close() {
    collector.shutdownNow();
    operator.stop();
  }
}
