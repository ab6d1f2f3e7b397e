package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.pool.InstanceInventory;
import io.nestedvirt.operator.pool.LaunchConfigResolver;
import io.nestedvirt.operator.pool.PoolReconciler;
import io.nestedvirt.operator.pool.PoolSettings;
import io.nestedvirt.operator.pool.UnavailableOfferings;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The operator's controllers wired onto JOSDK, shared by the {@code run} and {@code sandbox}
 * commands and by the integration tests, so all three run the same code.
 */
public final class OperatorRuntime implements AutoCloseable {
  private final Operator operator;

  private OperatorRuntime(Operator operator) {
    this.operator = operator;
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
            settings,
            clock);
    operator.register(pools);
    operator.start();
    return new OperatorRuntime(operator);
  }

  @Override
  public void close() {
    operator.stop();
  }
}
