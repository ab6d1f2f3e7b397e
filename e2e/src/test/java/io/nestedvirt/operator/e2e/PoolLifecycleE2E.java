package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.Tags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The core lifecycle against the real API server (server-side apply on, the operator running as its
 * ServiceAccount in its own process) and moto as EC2: create 3, replace one machine with kubectl
 * delete nvi, scale through the scale subresource with kubectl, delete; the machines go before the
 * pool, behind their finalizers.
 */
class PoolLifecycleE2E {
  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  /**
   * The operator runs with {@code --log-format json}: every line it writes is one JSON object, and
   * a decision's line carries the pool, the machine and the instance in its MDC.
   */
  private static void assertLaunchesLoggedAsJson(OperatorProcess operator, String pool)
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new java.util.ArrayList<>();
    for (String line : operator.logText().split("\n")) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line));
      }
    }
    assertThat(lines)
        .filteredOn(
            l ->
                l.path("formattedMessage").asText().startsWith("machine " + pool + "-")
                    && l.path("formattedMessage").asText().contains(": launched i-"))
        .hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(
            l -> {
              assertThat(l.path("level").asText()).isEqualTo("INFO");
              assertThat(l.path("mdc").path("pool").asText()).isEqualTo(pool);
              assertThat(l.path("mdc").path("machine").asText()).startsWith(pool + "-");
              assertThat(l.path("mdc").path("instance").asText()).startsWith("i-");
            });
  }

  @Test
  void createReplaceScaleAndDeleteAPool() throws Exception {
    Path manifest = Files.createTempFile("life", ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: life
        spec:
          replicas: 3
          instanceTypes: [c8i.large, m8i.large]
          image: %s
        """
            .formatted(stack.moto().imageId));
    assertThat(stack.cluster().kubectl("apply", "-f", manifest.toString()).code()).isZero();

    NestedVirtPool ready = E2E.awaitReady(admin, "life", 3);
    String uid = ready.getMetadata().getUid();
    List<Instance> running = stack.moto().instances("life", "running", "pending");
    assertThat(running).hasSize(3);
    for (Instance i : running) {
      Map<String, String> tags = i.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
      assertThat(tags)
          .containsEntry(Tags.CLUSTER, E2E.CLUSTER)
          .containsEntry(Tags.POOL, "life")
          .containsEntry(Tags.POOL_UID, uid);
      assertThat(i.instanceTypeAsString()).isEqualTo("c8i.large");
    }
    assertThat(running.stream().map(i -> i.placement().availabilityZone()).distinct()).hasSize(3);
    assertThat(ready.getMetadata().getFinalizers()).contains("nestedvirt.io/finalizer");
    List<NestedVirtInstance> machines = E2E.machines(admin, "life");
    assertThat(machines)
        .hasSize(3)
        .allSatisfy(
            m -> {
              assertThat(m.getMetadata().getFinalizers()).contains("nestedvirt.io/termination");
              assertThat(m.getMetadata().getOwnerReferences())
                  .singleElement()
                  .satisfies(o -> assertThat(o.getUid()).isEqualTo(uid));
              assertThat(m.getStatus().phase).isEqualTo("Ready");
            });
    assertThat(machines)
        .extracting(m -> m.getStatus().instanceId)
        .containsExactlyInAnyOrderElementsOf(running.stream().map(Instance::instanceId).toList());
    OperatorProcess leader = E2E.leader();
    assertThat(leader.scrape().sum("nestedvirt_instances_launched_total", "pool", "life"))
        .isEqualTo(3);
    assertThat(leader.get("/readyz").statusCode()).isEqualTo(200);
    assertThat(leader.get("/healthz").statusCode()).isEqualTo(200);
    assertLaunchesLoggedAsJson(leader, "life");

    Tool.Result listed = stack.cluster().kubectl("get", "nvi", "-l", "nestedvirt.io/pool=life");
    assertThat(listed.output())
        .as("kubectl get nvi: the columns in the order the README promises")
        .containsPattern("NAME\\s+POOL\\s+TYPE\\s+ZONE\\s+INSTANCE\\s+NODE\\s+PHASE\\s+AGE")
        .containsPattern(
            "life-[a-z0-9]{5}\\s+life\\s+c8i.large\\s+us-east-1\\w\\s+i-\\w+\\s+\\S+\\s+Ready\\s+\\S+");
    Tool.Result category = stack.cluster().kubectl("get", "nestedvirt");
    assertThat(category.output())
        .as("kubectl get nestedvirt lists pools and machines")
        .contains("nestedvirtpool.nestedvirt.io/life")
        .containsPattern("nestedvirtinstance.nestedvirt.io/life-[a-z0-9]{5}");

    // Replacing one machine: delete it; it drains and terminates, and the pool launches another.
    NestedVirtInstance victim = machines.getFirst();
    String replaced = victim.getStatus().instanceId;
    Tool.Result deleted =
        stack.cluster().kubectl("delete", "nvi", victim.getMetadata().getName(), "--wait=true");
    assertThat(deleted.code()).as(deleted.output()).isZero();
    assertThat(stack.moto().instances("life", "shutting-down", "terminated"))
        .extracting(Instance::instanceId)
        .contains(replaced);
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                E2E.machines(admin, "life").stream()
                        .filter(m -> m.getStatus() != null && "Ready".equals(m.getStatus().phase))
                        .count()
                    == 3);
    E2E.awaitReady(admin, "life", 3);
    assertThat(stack.moto().instances("life", "running", "pending"))
        .extracting(Instance::instanceId)
        .hasSize(3)
        .doesNotContain(replaced);

    Tool.Result scaled = stack.cluster().kubectl("scale", "nvp/life", "--replicas=5");
    assertThat(scaled.code()).as(scaled.output()).isZero();
    E2E.awaitReady(admin, "life", 5);
    assertThat(stack.moto().instances("life", "running", "pending")).hasSize(5);

    assertThat(stack.cluster().kubectl("scale", "nvp/life", "--replicas=1").code()).isZero();
    E2E.awaitReady(admin, "life", 1);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.moto().instances("life", "running", "pending").size() == 1);

    assertThat(stack.cluster().kubectl("delete", "nvp/life", "--wait=false").code()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> admin.resources(NestedVirtPool.class).withName("life").get() == null);
    assertThat(E2E.machines(admin, "life")).as("the machines went before the pool").isEmpty();
    assertThat(stack.moto().instances("life", "running", "pending"))
        .as("every instance of the deleted pool is shutting down or gone")
        .isEmpty();
    assertThat(
            stack
                .moto()
                .instances(
                    "life",
                    "running",
                    "pending",
                    "shutting-down",
                    "terminated",
                    "stopping",
                    "stopped"))
        .as("no instance launched twice: 3, a successor, and 2 more")
        .hasSize(6);
  }
}
