package io.nestedvirt.operator.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sandbox}: the operator with an embedded API server and EC2 emulator, no account needed.
 */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description =
        "Run the operator against an embedded Kubernetes API server and EC2 emulator, apply"
            + " pools, and show their progress.")
public final class SandboxCommand implements Callable<Integer> {

  @Option(
      names = {"-f", "--filename"},
      defaultValue = "deploy/examples",
      description = "A pool YAML file or a directory of them (default: ${DEFAULT-VALUE}).")
  Path file;

  @Option(
      names = "--until-ready",
      description = "Exit 0 once every pool is Ready; non-zero with the reason on timeout.")
  boolean untilReady;

  @Option(
      names = "--timeout",
      defaultValue = "2m",
      converter = Durations.class,
      description =
          "How long --until-ready waits, for example 90s or 2m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--dump", description = "On exit, write the pools and nodes as YAML to FILE.")
  Path dump;

  @Option(
      names = "--kubeconfig-out",
      paramLabel = "FILE",
      description = "Write a kubeconfig for the embedded API server to FILE, for kubectl.")
  Path kubeconfigOut;

  @Option(
      names = "--boot-delay",
      defaultValue = "2s",
      converter = Durations.class,
      description = "How long emulated instances stay pending (default: ${DEFAULT-VALUE}).")
  Duration bootDelay;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(file)) {
      System.err.println("error: " + file + " does not exist; pass -f FILE|DIR");
      return 2;
    }
    Sandbox.Options options = new Sandbox.Options("sandbox", Duration.ofSeconds(1), bootDelay);
    try (Sandbox sandbox = Sandbox.start(options)) {
      List<NestedVirtPool> pools = PoolFiles.read(sandbox.client(), file);
      if (pools.isEmpty()) {
        System.err.println("error: no NestedVirtPool in " + file);
        return 2;
      }
      System.out.printf(
          "sandbox: API server %s, EC2 emulator %s%n",
          sandbox.client().getMasterUrl(), sandbox.ec2().endpoint());
      if (kubeconfigOut != null) {
        Kubeconfig.write(kubeconfigOut, sandbox.client().getMasterUrl().toString());
        System.out.printf("sandbox: kubectl --kubeconfig %s get nvp,nodes%n", kubeconfigOut);
      }
      sandbox.apply(pools);
      System.out.printf("sandbox: applied %d pool(s) from %s%n", pools.size(), file);
      int code = watch(sandbox, timeout);
      if (dump != null) {
        writeDump(sandbox, dump);
        System.out.println("sandbox: wrote pools and nodes to " + dump);
      }
      return code;
    }
  }

  /** Prints a line whenever a pool's progress changes; returns the exit code. */
  private int watch(Sandbox sandbox, Duration limit) throws InterruptedException {
    Instant start = Instant.now();
    Instant deadline = start.plus(limit);
    Map<String, String> last = new HashMap<>();
    while (true) {
      List<NestedVirtPool> pools = sandbox.pools();
      for (NestedVirtPool pool : pools) {
        String line = PoolProgress.line(pool);
        if (!line.equals(last.put(pool.name(), line))) {
          System.out.printf(
              "[%5.1fs] %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, line);
        }
      }
      if (untilReady && pools.stream().allMatch(PoolProgress::isReady)) {
        System.out.printf(
            "sandbox: all %d pool(s) Ready after %.1fs%n",
            pools.size(), Duration.between(start, Instant.now()).toMillis() / 1000.0);
        return 0;
      }
      if (untilReady && Instant.now().isAfter(deadline)) {
        System.err.println("sandbox: timed out after " + limit.toSeconds() + "s; not Ready:");
        pools.stream()
            .filter(p -> !PoolProgress.isReady(p))
            .forEach(p -> System.err.println("  " + PoolProgress.line(p)));
        return 1;
      }
      Thread.sleep(250);
    }
  }

  private static void writeDump(Sandbox sandbox, Path path) throws java.io.IOException {
    List<HasMetadata> items = new ArrayList<>(sandbox.pools());
    List<Node> nodes = sandbox.client().nodes().list().getItems();
    items.addAll(nodes);
    // A plain v1 List (KubernetesList cannot hold our custom resource), readable by kubectl.
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    list.put("items", items);
    String yaml = sandbox.client().getKubernetesSerialization().asYaml(list);
    Files.writeString(path, yaml);
  }
}
