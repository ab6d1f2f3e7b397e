package io.nestedvirt.sandbox.kubelet;

import static io.nestedvirt.sandbox.kubelet.KubeletTestFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.cloud.InstanceState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulator against a real kube-apiserver (from the cache e2e/install.sh fills): Node creation,
 * status through the {@code nodes/status} subresource with its real semantics, and deletion.
 */
class RealApiServerKubeletSimulatorE2E {
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private static KubeAPIServer server;
  private static KubernetesClient kube;

  @BeforeAll
  static void startApiServer() throws IOException {
    Path repo = Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
    Path cache =
        Path.of(
            System.getenv()
                .getOrDefault("NESTEDVIRT_E2E_CACHE", repo.resolve(".e2e-cache").toString()));
    String version =
        Files.readAllLines(cache.resolve("e2e.env")).stream()
            .filter(line -> line.startsWith("NESTEDVIRT_E2E_K8S_VERSION="))
            .map(line -> line.substring(line.indexOf('=') + 1))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("run e2e/install.sh first"));
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(cache.toString())
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    kube =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
            .build();
  }

  @AfterAll
  static void stopApiServer() {
    if (kube != null) {
      kube.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void registersVerifiesAndDeletesANodeWithoutClobberingWhatOthersWrote() {
    SimulatedInstance instance =
        new SimulatedInstance(
            "i-0123456789abcdef0",
            "us-east-1b",
            "ip-10-0-33-7.ec2.internal",
            "10.0.33.7",
            "c8i.xlarge",
            "x86_64",
            InstanceState.RUNNING,
            KubeletTestFixtures.eksUserData(),
            true,
            4,
            Map.of());
    String name = instance.nodeName();
    try (KubeletSimulator simulator =
        new KubeletSimulator(
            kube,
            KubeletSimulator.Settings.defaults()
                .withRegistrationDelay(Duration.ZERO)
                .withVerificationDelay(Duration.ZERO)
                .withRetryInterval(Duration.ofMillis(200)))) {
      simulator.observe(instance);
      Node registered = awaitCondition(name, "NestedVirtualizationReady", "True");
      assertThat(registered.getSpec().getProviderID())
          .isEqualTo("aws:///us-east-1b/i-0123456789abcdef0");
      assertThat(registered.getMetadata().getLabels())
          .containsEntry("nestedvirt.io/pool", "kubevirt");
      assertThat(registered.getSpec().getTaints())
          .contains(taint("nestedvirt.io/unverified", null, "NoSchedule"));
      assertThat(condition(registered, "Ready").getStatus()).isEqualTo("True");

      // What the operator does once KVM is verified.
      kube.nodes()
          .withName(name)
          .edit(
              n -> {
                n.getMetadata().getLabels().put("nestedvirt.io/kvm", "verified");
                n.getSpec()
                    .setTaints(List.of(taint("kubevirt.io/dedicated", "true", "NoSchedule")));
                return n;
              });
      simulator.failVerification(instance.id(), "guest did not halt");
      Node failed = awaitCondition(name, "NestedVirtualizationReady", "False");

      assertThat(failed.getMetadata().getLabels()).containsEntry("nestedvirt.io/kvm", "verified");
      assertThat(failed.getSpec().getTaints())
          .containsExactly(taint("kubevirt.io/dedicated", "true", "NoSchedule"));
      assertThat(failed.getStatus().getConditions())
          .extracting(NodeCondition::getType)
          .containsOnlyOnce("Ready", "NestedVirtualizationReady");

      simulator.observe(instance.withState(InstanceState.SHUTTING_DOWN));
      await()
          .atMost(PATIENCE)
          .alias("node " + name + " deleted")
          .until(() -> kube.nodes().withName(name).get() == null);
    }
  }

  private static Node awaitCondition(String name, String type, String status) {
    return await()
        .atMost(PATIENCE)
        .alias("node " + name + " has " + type + "=" + status)
        .until(
            () -> kube.nodes().withName(name).get(),
            n -> {
              NodeCondition c = n == null ? null : condition(n, type);
              return c != null && status.equals(c.getStatus());
            });
  }

  private static NodeCondition condition(Node node, String type) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
