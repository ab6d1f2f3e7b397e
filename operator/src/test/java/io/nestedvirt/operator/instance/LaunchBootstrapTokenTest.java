package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.KubeadmBootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.events.EventRecorder;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A kubeadm machine launches only with its bootstrap token's Secret in place. */
class LaunchBootstrapTokenTest {
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  private final FakeCloud cloud = new FakeCloud();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final MockApiServer api = MockApiServer.start();
  private final OperatorMetrics metrics = OperatorMetrics.prometheus();

  LaunchBootstrapTokenTest() {
    cloud.launching = true;
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void theInstanceBootsWithTheTokenWhoseSecretWasCreatedBeforeTheLaunch() {
    NestedVirtPool pool = kubeadmPool();
    Machine m = new Machine(machine(pool), pool, NOW);

    launch(api.client()).reconcile(m);

    var secrets = api.client().secrets().inNamespace("kube-system").list().getItems();
    assertThat(secrets).hasSize(1);
    String id = secrets.getFirst().getMetadata().getName().substring("bootstrap-token-".length());
    assertThat(cloud.launches)
        .singleElement()
        .satisfies(r -> assertThat(r.userData()).contains("token: \"" + id + "."));
    assertThat(m.instanceId()).isEqualTo("i-1");
  }

  @Test
  void aTokenTheApiServerRefusesStopsTheLaunchWithAConditionAndAnEvent() {
    // Nothing listens on port 1: every request fails, as a missing Role's 403 would.
    KubernetesClient unreachable =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    NestedVirtPool pool = kubeadmPool();
    Machine m = new Machine(machine(pool), pool, NOW);

    launch(unreachable).reconcile(m);

    assertThat(cloud.launches).as("nothing launched without its token").isEmpty();
    assertThat(m.conditions.get(InstanceConditions.LAUNCHED))
        .hasValueSatisfying(
            c -> {
              assertThat(c.status).isEqualTo("False");
              assertThat(c.reason).isEqualTo("BootstrapTokenFailed");
              assertThat(c.message).contains("kube-system").contains("create, list and delete");
            });
    assertThat(m.requeue()).as("tried again after a back-off").isPresent();
    assertThat(metrics.scrape())
        .contains("nestedvirt_events_total{reason=\"BootstrapTokenFailed\",type=\"Warning\"} 1.0");
  }

  private Launch launch(KubernetesClient client) {
    InstanceListing listing =
        new InstanceListing(cloud, Duration.ofSeconds(30), Duration.ofMinutes(5), clock, metrics);
    return new Launch(
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
        new LaunchBackoff(),
        new EventRecorder(api.client(), clock, metrics),
        metrics,
        new BootstrapTokens(client),
        new SpotRefusals(clock));
  }

  private static NestedVirtPool kubeadmPool() {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new ObjectMetaBuilder().withName("p").withUid("pool-uid").withGeneration(1L).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 1;
    spec.instanceTypes = List.of("m8i.large");
    spec.image = "ami-0123456789abcdef0";
    spec.bootstrap = new BootstrapSpec();
    spec.bootstrap.mode = BootstrapSpec.Mode.KUBEADM;
    spec.bootstrap.kubeadm = new KubeadmBootstrapSpec();
    spec.bootstrap.kubeadm.apiServerEndpoint = "10.0.0.10:6443";
    spec.bootstrap.kubeadm.caCertHashes = List.of("sha256:" + "ab".repeat(32));
    pool.setSpec(spec);
    return pool;
  }

  private static NestedVirtInstance machine(NestedVirtPool pool) {
    NestedVirtInstance m = Machines.machine("p-abcde", null);
    m.getSpec().launchSettingsHash = LaunchSettingsHash.of(pool.getSpec());
    return m;
  }
}
