package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KubeVirt stand-ins behave as KubeVirt does, proven without the operator: evictions go through
 * the real API server, which calls {@link VirtApiEvictionStandIn} through its
 * ValidatingWebhookConfiguration; {@link MigrationControllerStandIn} moves the VMs. The nodes here
 * are plain Node objects reported Ready (no moto instance behind them).
 */
class KubeVirtStandInE2E {
  private static final String DENIED =
      "admission webhook \"" + VirtApiEvictionStandIn.WEBHOOK + "\" denied the request: ";

  private static KubernetesClient admin;
  private static KubernetesClient noRetries;
  private static VirtApiEvictionStandIn virtApi;
  private static MigrationControllerStandIn migrations;
  private static KubeletStandIn kubelets;
  private static String ns;

  @BeforeAll
  static void standIns() throws Exception {
    admin = E2E.stack().cluster().admin;
    // One HTTP request per eviction: fabric8 would retry every 429 for seconds.
    noRetries =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(admin.getConfiguration()).withRequestRetryBackoffLimit(0).build())
            .build();
    ns = Workloads.namespace(admin, "kubevirt-stand-ins");
    virtApi = new VirtApiEvictionStandIn(admin);
    migrations = new MigrationControllerStandIn(admin).migrationTime(Duration.ofSeconds(1));
    kubelets = new KubeletStandIn(admin, ns, null, false);
  }

  @AfterEach
  void noStandInFailed() {
    assertThat(virtApi.failures).as("eviction stand-in").isEmpty();
    assertThat(migrations.failures).as("migration stand-in").isEmpty();
    assertThat(kubelets.failures).as("kubelet stand-in").isEmpty();
  }

  @AfterAll
  static void close() throws Exception {
    KubeVirtObjects.configure(admin, Map.of());
    kubelets.close();
    migrations.close();
    virtApi.close();
    noRetries.close();
  }

  @Test
  void anEvictionOfALiveMigrateVmStartsAMigrationAndTheVmEndsOnAnotherNode() {
    String from = Workloads.readyNode(admin, "standin-move-a", "standin-move");
    String to = Workloads.readyNode(admin, "standin-move-b", "standin-move");
    VirtualMachines.create(admin, ns, "mover", from, VirtualMachines.Spec.liveMigrate(512));
    migrations.migrationTime(ns, "mover", Duration.ofSeconds(3)); // the second eviction meets it
    Pod source = VirtualMachines.launcherPod(admin, ns, "mover", from);

    Answer first = evict(source, false);
    assertThat(first.code()).as(first.body()).isEqualTo(429);
    assertThat(first.message())
        .isEqualTo(DENIED + "Eviction triggered evacuation of VMI \"" + ns + "/mover\"");
    assertThat(KubeVirtObjects.evacuationNode(VirtualMachines.vmi(admin, ns, "mover")))
        .as("the interceptor marked the VMI")
        .contains(from);

    Answer second = evict(source, false);
    assertThat(second.code()).isEqualTo(429);
    assertThat(second.message())
        .isEqualTo(
            DENIED
                + "Evacuation in progress: Eviction triggered evacuation of VMI \""
                + ns
                + "/mover\"");

    awaitStandIns()
        .atMost(Duration.ofSeconds(60))
        .until(() -> migrations.finished.contains(ns + "/mover: " + from + " -> " + to));
    GenericKubernetesResource moved = VirtualMachines.vmi(admin, ns, "mover");
    assertThat(KubeVirtObjects.nodeOf(moved)).isEqualTo(to);
    assertThat(KubeVirtObjects.evacuationNode(moved)).isEmpty();
    assertThat(KubeVirtObjects.map(moved.getAdditionalProperties(), "status", "migrationState"))
        .containsEntry("completed", true)
        .containsEntry("sourceNode", from)
        .containsEntry("targetNode", to);
    assertThat(migrationsOf("mover"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMetadata().getName()).startsWith("kubevirt-evacuation-");
              assertThat(KubeVirtObjects.phase(m)).isEqualTo("Succeeded");
            });
    assertThat(admin.pods().inNamespace(ns).withName(source.getMetadata().getName()).get())
        .as("the source pod completed")
        .satisfies(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded"));
    assertThat(VirtualMachines.launcherPod(admin, ns, "mover", to))
        .as("the target pod runs on " + to)
        .isNotNull()
        .satisfies(p -> assertThat(ReadyPodsWatch.readyAndRunning(p)).isTrue());

    Answer afterwards =
        evict(admin.pods().inNamespace(ns).withName(source.getMetadata().getName()).get(), false);
    assertThat(afterwards.code())
        .as("a completed launcher pod is evicted like any pod: %s", afterwards.body())
        .isEqualTo(201);
    awaitStandIns()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kubelets.deletedPods.containsKey(source.getMetadata().getName()));
    assertThat(migrations.killed()).as("no VM killed").isEmpty();
  }

  @Test
  void aLiveMigrateVmThatIsNotMigratableRefusesItsEvictionAndStays() {
    String node = Workloads.readyNode(admin, "standin-pinned-a", "standin-pinned");
    Workloads.readyNode(admin, "standin-pinned-b", "standin-pinned");
    VirtualMachines.create(admin, ns, "pinned", node, VirtualMachines.Spec.pinned(512));
    Pod pod = VirtualMachines.launcherPod(admin, ns, "pinned", node);

    Answer answer = evict(pod, false);

    assertThat(answer.code()).as(answer.body()).isEqualTo(429);
    assertThat(answer.message())
        .isEqualTo(
            DENIED
                + "VMI pinned is configured with an eviction strategy but is not live-migratable");
    migrations.awaitPasses(3);
    assertThat(migrationsOf("pinned")).as("no migration").isEmpty();
    GenericKubernetesResource vmi = VirtualMachines.vmi(admin, ns, "pinned");
    assertThat(KubeVirtObjects.evacuationNode(vmi)).isEmpty();
    assertThat(KubeVirtObjects.nodeOf(vmi)).isEqualTo(node);
    assertThat(admin.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get())
        .satisfies(p -> assertThat(ReadyPodsWatch.readyAndRunning(p)).isTrue());
  }

  @Test
  void aVmWithoutAnEvictionStrategyIsEvictedAsAnyPodAndThatKillsIt() {
    String node = Workloads.readyNode(admin, "standin-none-a", "standin-none");
    VirtualMachines.create(
        admin, ns, "plain", node, VirtualMachines.Spec.liveMigrate(512).withStrategy("None"));
    Pod pod = VirtualMachines.launcherPod(admin, ns, "plain", node);

    Answer answer = evict(pod, false);

    assertThat(answer.code()).as(answer.body()).isEqualTo(201);
    awaitStandIns()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kubelets.deletedPods.containsKey(pod.getMetadata().getName()));
    assertThat(virtApi.answers).contains(ns + "/" + pod.getMetadata().getName() + ": allowed");
    assertThat(migrations.killed())
        .as("the recorder sees a VM killed")
        .contains(
            "virt-launcher pod "
                + ns
                + "/"
                + pod.getMetadata().getName()
                + " deleted while Running");
    assertThat(migrationsOf("plain")).isEmpty();
    migrations.deletedLauncherPods.remove(ns + "/" + pod.getMetadata().getName());
  }

  @Test
  void aDryRunEvictionChangesNothing() {
    String node = Workloads.readyNode(admin, "standin-dry-a", "standin-dry");
    Workloads.readyNode(admin, "standin-dry-b", "standin-dry");
    VirtualMachines.create(admin, ns, "dry", node, VirtualMachines.Spec.liveMigrate(512));
    Pod pod = VirtualMachines.launcherPod(admin, ns, "dry", node);

    Answer inBody = evict(pod, true);
    Answer inQuery = post(pod, eviction(pod, false), "?dryRun=All");

    for (Answer answer : List.of(inBody, inQuery)) {
      assertThat(answer.code()).as(answer.body()).isEqualTo(429);
      assertThat(answer.message()).contains("Eviction triggered evacuation of VMI");
    }
    migrations.awaitPasses(3);
    GenericKubernetesResource vmi = VirtualMachines.vmi(admin, ns, "dry");
    assertThat(KubeVirtObjects.evacuationNode(vmi)).as("the VMI was not marked").isEmpty();
    assertThat(migrationsOf("dry")).isEmpty();
    assertThat(admin.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get())
        .satisfies(p -> assertThat(ReadyPodsWatch.readyAndRunning(p)).isTrue());
  }

  @Test
  void aFailedMigrationIsFollowedByAnotherWhileTheVmiIsMarked() {
    String from = Workloads.readyNode(admin, "standin-retry-a", "standin-retry");
    String to = Workloads.readyNode(admin, "standin-retry-b", "standin-retry");
    VirtualMachines.create(admin, ns, "retried", from, VirtualMachines.Spec.liveMigrate(512));
    migrations.failFirst(ns, "retried", 2);

    assertThat(evict(VirtualMachines.launcherPod(admin, ns, "retried", from), false).code())
        .isEqualTo(429);

    awaitStandIns()
        .atMost(Duration.ofSeconds(60))
        .until(() -> migrations.finished.contains(ns + "/retried: " + from + " -> " + to));
    assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, "retried"))).isEqualTo(to);
    assertThat(migrationsOf("retried"))
        .extracting(KubeVirtObjects::phase)
        .containsExactlyInAnyOrder("Failed", "Failed", "Succeeded");
    assertThat(migrations.finished)
        .filteredOn(f -> f.startsWith(ns + "/retried:"))
        .containsExactly(
            ns + "/retried: failed on " + from,
            ns + "/retried: failed on " + from,
            ns + "/retried: " + from + " -> " + to);
    assertThat(VirtualMachines.launcherPods(admin, ns, "retried"))
        .as("the failed attempts' target pods are gone; source completed, target running")
        .hasSize(2);
    assertThat(migrations.killed())
        .as("deleting a failed migration's target pod kills no VM")
        .isEmpty();
  }

  @Test
  void migrationsBeyondKubeVirtsOutboundLimitWaitPending() {
    KubeVirtObjects.configure(
        admin, Map.of("migrations", Map.of("parallelOutboundMigrationsPerNode", 1)));
    String from = Workloads.readyNode(admin, "standin-limit-a", "standin-limit");
    Workloads.readyNode(admin, "standin-limit-b", "standin-limit");
    for (String vm : List.of("limited-1", "limited-2")) {
      VirtualMachines.create(admin, ns, vm, from, VirtualMachines.Spec.liveMigrate(512));
      migrations.migrationTime(ns, vm, Duration.ofSeconds(4));
      assertThat(evict(VirtualMachines.launcherPod(admin, ns, vm, from), false).code())
          .isEqualTo(429);
    }

    awaitStandIns()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                phases("limited-1", "limited-2").contains("Running")
                    && phases("limited-1", "limited-2").contains("Pending"));
    awaitStandIns()
        .atMost(Duration.ofSeconds(60))
        .until(() -> phases("limited-1", "limited-2").equals(List.of("Succeeded", "Succeeded")));
    KubeVirtObjects.configure(admin, Map.of());
  }

  /** An await whose timeout says what the stand-ins and the API server hold. */
  private static org.awaitility.core.ConditionFactory awaitStandIns() {
    return await()
        .conditionEvaluationListener(
            new org.awaitility.core.ConditionEvaluationListener<Object>() {
              @Override
              public void conditionEvaluated(
                  org.awaitility.core.EvaluatedCondition<Object> condition) {}

              @Override
              public void onTimeout(org.awaitility.core.TimeoutEvent event) {
                System.err.println("timed out; " + migrations.describe());
              }
            });
  }

  private List<String> phases(String... vmis) {
    return java.util.Arrays.stream(vmis)
        .flatMap(v -> migrationsOf(v).stream())
        .map(KubeVirtObjects::phase)
        .sorted()
        .toList();
  }

  private static List<GenericKubernetesResource> migrationsOf(String vmi) {
    return KubeVirtObjects.migrations(admin).inNamespace(ns).list().getItems().stream()
        .filter(m -> KubeVirtObjects.string(m, "spec", "vmiName").orElse("").equals(vmi))
        .toList();
  }

  /** The API server's answer to an eviction. */
  record Answer(int code, String body) {
    /** The Status message of a refusal. */
    String message() {
      return Serialization.unmarshal(body, io.fabric8.kubernetes.api.model.Status.class)
          .getMessage();
    }
  }

  private static Answer evict(Pod pod, boolean dryRunInBody) {
    return post(pod, eviction(pod, dryRunInBody), "");
  }

  private static String eviction(Pod pod, boolean dryRun) {
    return Serialization.asJson(
        new EvictionBuilder()
            .withNewMetadata()
            .withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .endMetadata()
            .withDeleteOptions(dryRun ? new DeleteOptionsBuilder().withDryRun("All").build() : null)
            .build());
  }

  /** POSTs a policy/v1 Eviction as kubectl drain does, and returns the API server's answer. */
  private static Answer post(Pod pod, String eviction, String query) {
    String uri =
        noRetries.getMasterUrl()
            + "api/v1/namespaces/"
            + pod.getMetadata().getNamespace()
            + "/pods/"
            + pod.getMetadata().getName()
            + "/eviction"
            + query;
    HttpRequest request =
        noRetries
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(uri)
            .post("application/json", eviction)
            .build();
    try {
      HttpResponse<String> response =
          noRetries.getHttpClient().sendAsync(request, String.class).get();
      return new Answer(response.code(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
