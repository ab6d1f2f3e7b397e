package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.metrics.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * The sandbox as a user drives it: the sandbox jar running {@code sandbox --kubeconfig-out}, the
 * real kubectl against its embedded API server (apply, get, describe, explain, scale, delete), and
 * SIGTERM at the end. Asserts what the API server and the EC2 emulator then hold.
 */
class SandboxKubectlE2E {
  private static final Duration STARTUP = Duration.ofSeconds(90);

  private static E2EEnvironment env;

  @TempDir Path tmp;

  @BeforeAll
  static void tools() {
    env = E2EEnvironment.load();
    assertThat(env.kubectl())
        .as("kubectl from e2e/install.sh (run bin/test-e2e, or e2e/install.sh first)")
        .isExecutable();
  }

  @Test
  void kubectlAppliesScalesAndDeletesAPoolInTheRunningSandbox() throws Exception {
    Path kubeconfig = tmp.resolve("nv.kubeconfig");
    try (SandboxProcess sandbox =
            new SandboxProcess(
                env,
                "sandbox-kubectl",
                "--kubeconfig-out",
                kubeconfig.toString(),
                "--boot-delay",
                "200ms");
        KubernetesClient client = clientFor(kubeconfig, sandbox)) {
      String out = kubectl(kubeconfig, "get", "nvp,nodes");
      assertThat(out).contains("nestedvirtpool.nestedvirt.io/kubevirt").contains("DESIRED");

      Path pool = tmp.resolve("extra.yaml");
      Files.writeString(
          pool,
          """
          apiVersion: nestedvirt.io/v1alpha1
          kind: NestedVirtPool
          metadata:
            name: extra
          spec:
            replicas: 1
            instanceTypes: [m8i.large, c8i.large]
            tags: {team: demo}
          """);
      assertThat(kubectl(kubeconfig, "apply", "-f", pool.toString()))
          .contains("nestedvirtpool.nestedvirt.io/extra created");
      awaitReady(client, "extra", 1);

      // A second apply drops a key and shortens a list: kubectl sends a merge patch with null and
      // the whole new list, which the server must apply as RFC 7386 says.
      Files.writeString(
          pool,
          """
          apiVersion: nestedvirt.io/v1alpha1
          kind: NestedVirtPool
          metadata:
            name: extra
          spec:
            replicas: 1
            instanceTypes: [c8i.large]
          """);
      assertThat(kubectl(kubeconfig, "apply", "-f", pool.toString())).contains("configured");
      Map<String, Object> spec = spec(client, "extra");
      assertThat(spec.get("instanceTypes")).isEqualTo(List.of("c8i.large"));
      assertThat(spec).doesNotContainKey("tags");

      assertThat(kubectl(kubeconfig, "scale", "nvp/extra", "--replicas=2")).contains("scaled");
      assertThat(spec(client, "extra").get("replicas")).isEqualTo(2);
      awaitReady(client, "extra", 2);

      // A rolling replacement as an admin starts one: both nodes move to another type, one
      // successor at a time, and the pool says when every node matches it again.
      assertThat(
              kubectl(
                  kubeconfig,
                  "patch",
                  "nvp",
                  "extra",
                  "--type",
                  "merge",
                  "-p",
                  "{\"spec\":{\"instanceTypes\":[\"m8i.large\"]}}"))
          .contains("patched");
      awaitUpToDate(client, "extra");
      await() // the replaced machines go once their instances are terminated
          .atMost(STARTUP)
          .untilAsserted(
              () ->
                  assertThat(
                          kubectl(
                              kubeconfig,
                              "get",
                              "nvi",
                              "-l",
                              "nestedvirt.io/pool=extra",
                              "-o",
                              "jsonpath={.items[*].spec.instanceType}"))
                      .isEqualTo("m8i.large m8i.large"));
      assertThat(kubectl(kubeconfig, "get", "nvp", "extra"))
          // The order the README promises (the build reorders the generator's JSON-path order).
          .containsPattern(
              "(?m)NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+UP-TO-DATE\\s+STATUS\\s+AGE\\s*$")
          .containsPattern("extra\\s+2\\s+2\\s+2\\s+2\\s+Ready\\s+\\S+");
      assertThat(kubectl(kubeconfig, "get", "nvp", "extra", "-o", "wide"))
          .containsPattern(
              "NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+UP-TO-DATE\\s+STATUS\\s+AGE\\s+TYPES\\s+IMAGE\\s+CAPACITY")
          .containsPattern(
              // wide adds its columns after AGE.
              "extra\\s+2\\s+2\\s+2\\s+2\\s+Ready\\s+\\S+\\s+\\[\"m8i.large\"]\\s+ami-\\w+\\s+on-demand");
      assertThat(kubectl(kubeconfig, "describe", "nvp", "extra"))
          .contains("Replacing")
          .contains("RolloutComplete");

      assertThat(kubectl(kubeconfig, "describe", "nvp", "extra"))
          .contains("Events:")
          .contains("ScalingUp");
      assertThat(kubectl(kubeconfig, "get", "nvi", "-l", "nestedvirt.io/pool=extra"))
          .containsPattern("NAME\\s+POOL\\s+TYPE\\s+ZONE\\s+INSTANCE\\s+NODE\\s+PHASE\\s+AGE")
          .containsPattern(
              "extra-[a-z0-9]{5}\\s+extra\\s+m8i.large\\s+us-east-1\\w\\s+i-\\w+\\s+\\S+\\s+Ready\\s+\\S+");
      assertThat(kubectl(kubeconfig, "get", "nestedvirt"))
          .as("the category lists pools and machines")
          .contains("nestedvirtpool.nestedvirt.io/extra")
          .containsPattern("nestedvirtinstance.nestedvirt.io/extra-[a-z0-9]{5}");
      assertThat(kubectl(kubeconfig, "explain", "nvp.spec"))
          .contains("instanceTypes")
          .contains("How many instances the pool keeps");

      assertThat(kubectl(kubeconfig, "delete", "nvp/extra", "--timeout=60s")).contains("deleted");
      assertThat(pool(client, "extra")).as("the pool is gone").isNull();
      List<Instance> instances = instancesOf(sandbox, "extra");
      assertThat(instances).as("the pool launched two instances").hasSizeGreaterThanOrEqualTo(2);
      assertThat(instances)
          .as("every instance of the deleted pool is terminated or on its way")
          .allSatisfy(
              i ->
                  assertThat(i.state().name())
                      .isIn(InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED));
      assertThat(pool(client, "kubevirt")).as("the other pools stay").isNotNull();
    }
  }

  @Test
  void sigtermStopsTheSandboxCleanlyAndTerminatesEveryInstance() throws Exception {
    try (SandboxProcess sandbox =
        new SandboxProcess(
            env, "sandbox-sigterm", "--boot-delay", "200ms", "--metrics-port", "0")) {
      sandbox.awaitOutput("Ready: 3 of 3", STARTUP);
      sandbox.awaitOutput("Ready: 2 of 2", STARTUP);
      // --metrics-port serves the operator's /metrics while the sandbox runs.
      Matcher port =
          Pattern.compile("operator metrics on http://localhost:(\\d+)/metrics")
              .matcher(sandbox.output());
      assertThat(port.find()).as(sandbox.output()).isTrue();
      try (HttpClient http = HttpClient.newHttpClient()) {
        String metrics =
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port.group(1) + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(Scrape.parse(metrics).sum("nestedvirt_pool_ready_replicas")).isEqualTo(5);
      }

      int code = sandbox.terminate(Duration.ofSeconds(30));

      String output = sandbox.output();
      assertThat(code).as(output).isZero();
      assertThat(output).contains("terminated 5 instances");
      assertThat(output)
          .as("not a terminal: plain lines, no escape codes")
          .doesNotContain("\u001b[");
    }
  }

  private static KubernetesClient clientFor(Path kubeconfig, SandboxProcess sandbox)
      throws Exception {
    sandbox.awaitOutput("applied 2 pool(s)", STARTUP);
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
        .build();
  }

  private static String kubectl(Path kubeconfig, String... args) {
    Tool.Result result = Kubectl.run(env.kubectl(), kubeconfig, args);
    assertThat(result.code())
        .as("kubectl %s:%n%s", String.join(" ", args), result.output())
        .isZero();
    return result.output();
  }

  private static GenericKubernetesResource pool(KubernetesClient client, String name) {
    return client
        .genericKubernetesResources("nestedvirt.io/v1alpha1", "NestedVirtPool")
        .withName(name)
        .get();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(KubernetesClient client, String name) {
    return (Map<String, Object>) pool(client, name).getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static void awaitReady(KubernetesClient client, String name, int replicas) {
    await()
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              Map<String, Object> status =
                  (Map<String, Object>) pool(client, name).getAdditionalProperties().get("status");
              assertThat(status).as("status of %s", name).isNotNull();
              assertThat(status.get("readyReplicas")).isEqualTo(replicas);
            });
  }

  /** Waits until every node of the pool matches its current spec (NodesUpToDate=True). */
  @SuppressWarnings("unchecked")
  private static void awaitUpToDate(KubernetesClient client, String name) {
    await()
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              GenericKubernetesResource pool = pool(client, name);
              Map<String, Object> status =
                  (Map<String, Object>) pool.getAdditionalProperties().get("status");
              assertThat(status).as("status of %s", name).isNotNull();
              assertThat((List<Map<String, Object>>) status.get("conditions"))
                  .anySatisfy(
                      c -> {
                        assertThat(c.get("type")).isEqualTo("NodesUpToDate");
                        assertThat(c.get("status")).isEqualTo("True");
                        assertThat(((Number) c.get("observedGeneration")).longValue())
                            .isEqualTo(pool.getMetadata().getGeneration());
                      });
              assertThat(status.get("readyReplicas")).isEqualTo(2);
              assertThat(status.get("replicas")).isEqualTo(2);
            });
  }

  private static List<Instance> instancesOf(SandboxProcess sandbox, String pool) throws Exception {
    try (Ec2Client ec2 =
        Ec2Client.builder()
            .endpointOverride(URI.create(sandbox.ec2Endpoint()))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build()) {
      return ec2.describeInstancesPaginator(b -> {}).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .filter(
              i ->
                  i.tags().stream()
                      .anyMatch(
                          t -> t.key().equals("nestedvirt.io/pool") && t.value().equals(pool)))
          .toList();
    }
  }
}
