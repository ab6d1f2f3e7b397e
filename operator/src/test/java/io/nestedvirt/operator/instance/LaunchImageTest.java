package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.Recorders;
import io.nestedvirt.operator.launch.ClientTokens;
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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each machine records the AMI its instance was launched with, in status.imageId. */
class LaunchImageTest {
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
  private final ImageCache images = new ImageCache(cloud, () -> "1.34", clock);
  private final Launch launch =
      new Launch(
          cloud,
          listing,
          new LaunchConfigResolver(
              cloud, images, new UserDataFactory(null), clock, Duration.ofMinutes(5)),
          new LaunchRequestFactory("prod"),
          new UnavailableOfferings(clock, Duration.ofMinutes(3)),
          new LaunchLedger(),
          new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1)),
          new LaunchBackoff(),
          Recorders.nowhere(),
          OperatorMetrics.prometheus(),
          new BootstrapTokens(null),
          new SpotRefusals(clock));

  LaunchImageTest() {
    cloud.launching = true;
  }

  @Test
  void aLaunchedMachineRecordsTheAmiOfItsLaunchConfig() {
    cloud.imageId = "ami-0current";
    NestedVirtPool pool = pool();
    Machine m = new Machine(machine(pool), pool, NOW);

    launch.reconcile(m);

    assertThat(cloud.launches)
        .singleElement()
        .extracting(r -> r.imageId())
        .isEqualTo("ami-0current");
    assertThat(m.instanceId()).isEqualTo("i-1");
    assertThat(m.status.imageId)
        .as("recorded from the launch config, though the launch's answer does not say it")
        .isEqualTo("ami-0current");
  }

  @Test
  void aMachineThatFindsItsInstanceInTheListingRecordsThatInstancesAmi() {
    NestedVirtPool pool = pool();
    NestedVirtInstance object = machine(pool);
    cloud.listed.add(
        new Instance(
            "i-earlier",
            "m8i.large",
            "us-east-1a",
            "subnet-1",
            InstanceState.RUNNING,
            NestedVirtualization.ENABLED,
            NOW.minusSeconds(60),
            CapacityType.ON_DEMAND,
            "ip-1",
            ClientTokens.forInstance(object.uid()),
            Map.of(),
            "ami-0older"));
    listing.refresh();
    Machine m = new Machine(object, pool, NOW);

    launch.reconcile(m);

    assertThat(cloud.launches).as("found, not launched again").isEmpty();
    assertThat(m.status.imageId).isEqualTo("ami-0older");
  }

  private static NestedVirtPool pool() {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new ObjectMetaBuilder().withName("p").withUid("pool-uid").withGeneration(1L).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 1;
    spec.instanceTypes = List.of("m8i.large");
    spec.bootstrap = new BootstrapSpec();
    spec.bootstrap.mode = BootstrapSpec.Mode.RAW;
    spec.userData = "#!/bin/sh\n";
    pool.setSpec(spec);
    return pool;
  }

  private static NestedVirtInstance machine(NestedVirtPool pool) {
    NestedVirtInstance m = Machines.machine("p-abcde", null);
    m.getSpec().launchSettingsHash = LaunchSettingsHash.of(pool.getSpec());
    return m;
  }
}
