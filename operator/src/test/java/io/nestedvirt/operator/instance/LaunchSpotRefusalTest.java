package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.SpotRefusedException;
import io.nestedvirt.operator.events.Recorders;
import io.nestedvirt.operator.launch.ImageCache;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.LaunchRequestFactory;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import io.nestedvirt.operator.launch.SpotRefusals;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.launch.UserDataFactory;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Spot launch refused for nested virtualization: remembered per type, and the pool may fall back.
 */
class LaunchSpotRefusalTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

  private final FakeCloud cloud = new FakeCloud();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final InstanceListing listing =
      new InstanceListing(
          cloud,
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          clock,
          OperatorMetrics.prometheus());
  private final SpotRefusals refusals = new SpotRefusals(clock);
  private final LaunchBackoff poolBackoff = new LaunchBackoff();
  private final Launch launch =
      new Launch(
          cloud,
          listing,
          new LaunchConfigResolver(
              cloud,
              new ImageCache(cloud, () -> "1.34", clock),
              new UserDataFactory(null),
              clock,
              Duration.ofMinutes(5)),
          new LaunchRequestFactory("prod"),
          new UnavailableOfferings(clock, Duration.ofMinutes(3)),
          new LaunchLedger(),
          new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          poolBackoff,
          Recorders.nowhere(),
          OperatorMetrics.prometheus(),
          new BootstrapTokens(null),
          refusals);

  LaunchSpotRefusalTest() {
    cloud.launching = true;
    cloud.launchFailure =
        new SpotRefusedException(
            "Unsupported",
            "m8i.large",
            "EC2 refused nested virtualization on Spot for m8i.large (Unsupported: ...)",
            null);
  }

  @Test
  void spotThenOnDemandEndsTheMachineAndItsSuccessorOfThatTypeLaunchesOnDemand() {
    NestedVirtPool pool =
        pool(io.nestedvirt.operator.api.v1alpha1.PoolCapacityType.SPOT_THEN_ON_DEMAND);
    Machine m = new Machine(machine(pool), pool, NOW);

    launch.reconcile(m);

    assertThat(m.conditions.isFalse(InstanceConditions.LAUNCHED)).isTrue();
    assertThat(m.conditions.reason(InstanceConditions.LAUNCHED)).isEqualTo("SpotRefused");
    assertThat(InstanceReason.endsLaunch("SpotRefused")).as("the pool replaces it").isTrue();
    assertThat(m.conditions.get(InstanceConditions.LAUNCHED).orElseThrow().message)
        .endsWith("spec.capacityType is spot-then-on-demand: m8i.large launches on-demand for 1h");
    assertThat(refusals.forMachine(pool.getSpec().capacityType, "m8i.large"))
        .isEqualTo(io.nestedvirt.operator.api.v1alpha1.CapacityType.ON_DEMAND);
    assertThat(poolBackoff.holding(pool.uid(), NOW))
        .as("falling back is no failure of the pool: its next launch goes on-demand at once")
        .isEmpty();
  }

  @Test
  void aSpotOnlyPoolIsToldHowToFallBackAndBacksOff() {
    NestedVirtPool pool = pool(io.nestedvirt.operator.api.v1alpha1.PoolCapacityType.SPOT);
    Machine m = new Machine(machine(pool), pool, NOW);

    launch.reconcile(m);

    assertThat(m.conditions.get(InstanceConditions.LAUNCHED).orElseThrow().message)
        .endsWith("spec.capacityType is spot: set spot-then-on-demand or on-demand");
    assertThat(poolBackoff.holding(pool.uid(), NOW)).isPresent();
    assertThat(refusals.refusals(List.of("m8i.large"))).hasSize(1);
  }

  private static NestedVirtPool pool(
      io.nestedvirt.operator.api.v1alpha1.PoolCapacityType capacity) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new ObjectMetaBuilder().withName("p").withUid("pool-uid").withGeneration(1L).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 1;
    spec.instanceTypes = List.of("m8i.large");
    spec.capacityType = capacity;
    spec.bootstrap = new BootstrapSpec();
    spec.bootstrap.mode = BootstrapSpec.Mode.RAW;
    spec.userData = "#!/bin/sh\n";
    pool.setSpec(spec);
    return pool;
  }

  private static NestedVirtInstance machine(NestedVirtPool pool) {
    NestedVirtInstance m = Machines.machine("p-abcde", null);
    m.getSpec().capacityType = io.nestedvirt.operator.api.v1alpha1.CapacityType.SPOT;
    m.getSpec().launchSettingsHash = LaunchSettingsHash.of(pool.getSpec());
    return m;
  }
}
