package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nestedvirt.operator.metrics.Scrape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The sandbox as a newcomer runs it: the examples in deploy/ become Ready. */
class SandboxCommandTest {
  private static final Path EXAMPLES = Path.of("..", "deploy", "examples");
  private static final Path AUTOSCALING = EXAMPLES.resolve("autoscaling");

  @TempDir Path tmp;

  @Test
  void everyExamplePoolBecomesReadyAndTheDumpAndMetricsShowIt() throws IOException {
    Path dump = tmp.resolve("dump.yaml");
    Path metrics = tmp.resolve("metrics.txt");
    Run run =
        run(
            "-f",
            EXAMPLES.toString(),
            "--until-ready",
            "--timeout",
            "60s",
            "--boot-delay",
            "200ms",
            "--dump",
            dump.toString(),
            "--metrics-out",
            metrics.toString());

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out).contains("all 2 pool(s) Ready");
    assertThat(run.out).contains("wrote the operator's metrics to " + metrics);
    Scrape scrape = Scrape.parse(Files.readString(metrics));
    assertThat(scrape.sum("nestedvirt_instances_launched_total", "pool", "kubevirt")).isEqualTo(3);
    assertThat(scrape.sum("nestedvirt_pool_ready_replicas", "pool", "kata")).isEqualTo(2);
    Map<?, ?> list = new KubernetesSerialization().unmarshal(Files.readString(dump), Map.class);
    List<?> items = (List<?>) list.get("items");
    List<?> pools = items.stream().filter(i -> "NestedVirtPool".equals(kind(i))).toList();
    List<?> nodes = items.stream().filter(i -> "Node".equals(kind(i))).toList();
    List<?> machines = items.stream().filter(i -> "NestedVirtInstance".equals(kind(i))).toList();
    assertThat(pools).hasSize(2);
    assertThat(machines).as("one NestedVirtInstance per instance").hasSize(5);
    for (Object machine : machines) {
      Map<?, ?> status = (Map<?, ?>) ((Map<?, ?>) machine).get("status");
      assertThat(status.get("phase")).isEqualTo("Ready");
      assertThat(nodes)
          .as("the machine's node is in the dump")
          .anySatisfy(
              n ->
                  assertThat(((Map<?, ?>) ((Map<?, ?>) n).get("metadata")).get("name"))
                      .isEqualTo(status.get("nodeName")));
    }
    assertThat(nodes).as("3 kubevirt and 2 kata nodes joined").hasSize(5);
    for (Object node : nodes) {
      @SuppressWarnings("unchecked")
      Map<String, String> labels =
          (Map<String, String>) ((Map<?, ?>) ((Map<?, ?>) node).get("metadata")).get("labels");
      assertThat(labels)
          .containsEntry("nestedvirt.io/kvm", "verified")
          .containsKey("node-restriction.kubernetes.io/nestedvirt-pool");
      // The node agent's logic wrote the verdict: the real probe where this host has KVM.
      String conditions =
          String.valueOf(((Map<?, ?>) ((Map<?, ?>) node).get("status")).get("conditions"));
      assertThat(conditions)
          .contains(
              java.nio.file.Files.exists(Path.of("/dev/kvm"))
                  ? "guest wrote 0x2a to port 0x10 and halted"
                  : "simulated: this host has no /dev/kvm");
      Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) node).get("spec");
      assertThat(String.valueOf(spec.get("taints")))
          .as("no startup taint left")
          .doesNotContain("nestedvirt.io/unverified");
    }
    for (Object item : pools) {
      Map<?, ?> status = (Map<?, ?>) ((Map<?, ?>) item).get("status");
      Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) item).get("spec");
      assertThat(status.get("readyReplicas")).isEqualTo(spec.get("replicas"));
      assertThat((List<?>) status.get("conditions"))
          .anySatisfy(
              c -> {
                assertThat(((Map<?, ?>) c).get("type")).isEqualTo("Ready");
                assertThat(((Map<?, ?>) c).get("status")).isEqualTo("True");
              });
    }
  }

  @Test
  void theOperatorsLogLinesGoToAFileAndTheConsoleShowsProgressUnlessVerbose() throws IOException {
    Path log = tmp.resolve("operator.log");
    String pool = EXAMPLES.resolve("kata-pool.yaml").toString();

    Run quiet =
        run(
            "-f",
            pool,
            "--until-ready",
            "--timeout",
            "60s",
            "--boot-delay",
            "200ms",
            "--log-file",
            log.toString());

    assertThat(quiet.code).as(quiet.err).isZero();
    assertThat(quiet.out.lines().findFirst())
        .as("the log's path comes first")
        .contains("sandbox: operator log in " + log + " (-v prints it here)");
    assertThat(quiet.out.lines())
        .as("only the sandbox's own lines and progress lines")
        .allMatch(l -> l.startsWith("sandbox: ") || l.startsWith("["), "a sandbox line");
    assertThat(quiet.out).contains("all 1 pool(s) Ready");
    assertThat(Files.readString(log))
        .as("the operator's lines, in the file")
        .contains(" INFO ")
        .contains("kata");

    Run verbose =
        run("-f", pool, "--until-ready", "--timeout", "60s", "--boot-delay", "200ms", "-v");

    assertThat(verbose.code).as(verbose.err).isZero();
    assertThat(verbose.out).doesNotContain("operator log in").contains(" INFO ");
  }

  @Test
  void aPoolThatCannotBecomeReadyEndsWithANonZeroCodeAndItsReason() throws IOException {
    Path pool = tmp.resolve("arm.yaml");
    Files.writeString(
        pool,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: arm
        spec:
          replicas: 1
          instanceTypes: [m7g.large]
        """);

    Run run = run("-f", pool.toString(), "--until-ready", "--timeout", "3s");

    assertThat(run.code).isEqualTo(1);
    assertThat(run.err)
        .contains("not Ready")
        .contains("arm")
        .contains("m7g.large (arm64, not x86_64)");
  }

  @Test
  void everyObjectOfTheFilesIsAppliedAfterThePoolsAndItsPodsEndBound() throws IOException {
    Path pool = tmp.resolve("pool.yaml");
    Files.writeString(
        pool,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: fixed
        spec:
          replicas: 1
          instanceTypes: [m8i.xlarge]
        """);
    Path dump = tmp.resolve("dump.yaml");

    Run run =
        run(
            "-f",
            pool.toString(),
            AUTOSCALING.resolve("kata-pod.yaml").toString(),
            AUTOSCALING.resolve("kata-runtimeclass.yaml").toString(),
            AUTOSCALING.resolve("vm-pod.yaml").toString(),
            "--until-ready",
            "--timeout",
            "60s",
            "--boot-delay",
            "200ms",
            "--dump",
            dump.toString());

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out)
        .contains("applied 1 pool(s) and 3 other object(s)")
        .as("pods wait until the node is verified and virt-handler and kata-deploy run there")
        .contains("Unschedulable: ")
        .contains("all 1 pool(s) Ready and 2 pod(s) bound");
    List<?> pods = ofKind(dump, "Pod");
    assertThat(pods).hasSize(2);
    for (Object pod : pods) {
      assertThat(((Map<?, ?>) ((Map<?, ?>) pod).get("spec")).get("nodeName"))
          .as("bound: %s", pod)
          .isNotNull();
    }
    Map<?, ?> kata =
        (Map<?, ?>)
            pods.stream()
                .filter(p -> String.valueOf(p).contains("kata-burst"))
                .findFirst()
                .orElseThrow();
    assertThat(String.valueOf(((Map<?, ?>) kata.get("spec")).get("overhead")))
        .as("the RuntimeClass's overhead, copied in at admission")
        .contains("cpu=250m")
        .contains("memory=160Mi");
  }

  @Test
  void theAutoscalingExampleGrowsThePoolAndBindsBothPods() throws IOException {
    Path dump = tmp.resolve("dump.yaml");

    Run run =
        run(
            "-f",
            AUTOSCALING.toString(),
            "--until-ready",
            "--timeout",
            "90s",
            "--boot-delay",
            "200ms",
            "--dump",
            dump.toString());

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out).contains("all 1 pool(s) Ready and 2 pod(s) bound");
    Map<?, ?> pool = (Map<?, ?>) ofKind(dump, "NestedVirtPool").getFirst();
    assertThat((Integer) ((Map<?, ?>) pool.get("status")).get("desiredReplicas"))
        .as("the pool grew from minReplicas 0")
        .isPositive();
    assertThat(ofKind(dump, "Pod"))
        .hasSize(2)
        .allSatisfy(
            p -> assertThat(((Map<?, ?>) ((Map<?, ?>) p).get("spec")).get("nodeName")).isNotNull());
  }

  @Test
  void anObjectOfAKindTheSandboxDoesNotServeIsRefusedWithItsKindAndFile() throws IOException {
    Path vm = EXAMPLES.resolve("kubevirt").resolve("virtualmachine.yaml");

    Run run = run("-f", EXAMPLES.resolve("kata-pool.yaml").toString(), vm.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.err)
        .contains("VirtualMachine")
        .contains(vm.toString())
        .contains("the sandbox's API server does not serve kind VirtualMachine of kubevirt.io/v1");
  }

  @Test
  void anObjectTheApiServerRefusesStopsTheSandboxWithItsFileAndTheReason() throws IOException {
    Path pod = tmp.resolve("pod.yaml");
    Files.writeString(
        pod,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: lost
        spec:
          runtimeClassName: kata-fc
          containers: [{name: main, image: busybox}]
        """);

    Run run = run("-f", EXAMPLES.resolve("kata-pool.yaml").toString(), pod.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.err)
        .contains("cannot apply Pod lost (" + pod + ")")
        .contains("pod rejected: RuntimeClass \"kata-fc\" not found");
  }

  @Test
  void aMissingFileIsAClearUsageError() {
    Run run = run("-f", tmp.resolve("nope.yaml").toString(), "--until-ready");
    assertThat(run.code).isEqualTo(2);
    assertThat(run.err).contains("does not exist");
  }

  @Test
  void theStackAloneSaysHowToRunTheProductionJarAgainstIt() throws IOException {
    Path kubeconfig = tmp.resolve("nv.kubeconfig");
    Run run =
        run(
            "-f",
            EXAMPLES.toString(),
            "--no-operator",
            "--kubeconfig-out",
            kubeconfig.toString(),
            "--until-ready",
            "--timeout",
            "2s");

    assertThat(run.code).as("no operator, so no pool becomes Ready").isEqualTo(1);
    assertThat(Files.readString(kubeconfig)).contains("server: http://");
    assertThat(run.out)
        .contains("no operator in this process; run the production jar against this stack:")
        .contains("KUBECONFIG=" + kubeconfig.toAbsolutePath())
        .contains("AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox")
        .containsPattern(
            "-jar operator/target/nestedvirt-operator.jar run --cluster-name sandbox --region"
                + " us-east-1 --endpoint-url http://127\\.0\\.0\\.1:\\d+ --cluster-endpoint"
                + " https://sandbox.cluster.local --cluster-ca \\S+ --service-cidr 10.100.0.0/16")
        .contains("--no-leader-election --no-server-side-apply --metrics-port 0");
    assertThat(run.err).contains("kubevirt").contains("waiting for the operator");
  }

  @Test
  void theStackAloneRefusesWhatNeedsTheOperatorInProcess() {
    String examples = EXAMPLES.toString();
    assertThat(run("-f", examples, "--no-operator").err)
        .contains("--no-operator needs --kubeconfig-out FILE");
    Run metrics =
        run("-f", examples, "--no-operator", "--kubeconfig-out", "k", "--metrics-out", "m");
    assertThat(metrics.code).isEqualTo(2);
    assertThat(metrics.err).contains("with --no-operator, read that operator's own /metrics");
    Run command = run("-f", examples, "--", "java", "-jar", "nestedvirt-operator.jar");
    assertThat(command.code).isEqualTo(2);
    assertThat(command.err).contains("add --no-operator");
  }

  private static List<?> ofKind(Path dump, String kind) throws IOException {
    Map<?, ?> list = new KubernetesSerialization().unmarshal(Files.readString(dump), Map.class);
    return ((List<?>) list.get("items")).stream().filter(i -> kind.equals(kind(i))).toList();
  }

  private static Object kind(Object item) {
    return ((Map<?, ?>) item).get("kind");
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      int code = new CommandLine(new SandboxCommand()).execute(args);
      return new Run(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
