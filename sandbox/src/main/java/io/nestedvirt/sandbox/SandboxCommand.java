package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.metrics.MetricsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
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
      description =
          "Exit 0 once every pool is Ready; non-zero with the reason on timeout. Without it the"
              + " sandbox runs until Ctrl-C (SIGINT) or SIGTERM, then terminates every instance.")
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
      names = "--metrics-out",
      description = "On exit, write the operator's final /metrics scrape to FILE.")
  Path metricsOut;

  @Option(
      names = "--metrics-port",
      description =
          "Serve the operator's /metrics, /healthz and /readyz on this port while it runs.")
  Integer metricsPort;

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
    ProgressDisplay display =
        ProgressDisplay.choose(ProgressDisplay.stdoutIsTerminal(), System.out);
    if (display.live()) {
      // Log lines would scroll the live view away; the view shows the events instead.
      quietLogs();
    }
    // Installed before anything starts, so a Ctrl-C during startup also shuts down cleanly.
    StopSignal stop = untilReady ? StopSignal.none() : StopSignal.onSigintOrSigterm();
    Sandbox.Options options = new Sandbox.Options("sandbox", Duration.ofSeconds(1), bootDelay);
    try (Sandbox sandbox = Sandbox.start(options);
        MetricsServer http = metricsPort == null ? null : sandbox.serveMetrics(metricsPort)) {
      List<NestedVirtPool> pools = PoolFiles.read(sandbox.client(), file, System.err);
      if (pools.isEmpty()) {
        System.err.println("error: no NestedVirtPool in " + file);
        return 2;
      }
      System.out.printf(
          "sandbox: API server %s, EC2 emulator %s%n",
          sandbox.client().getMasterUrl(), sandbox.ec2().endpoint());
      if (http != null) {
        System.out.printf(
            "sandbox: operator metrics on http://localhost:%d/metrics%n", http.port());
      }
      if (kubeconfigOut != null) {
        Kubeconfig.write(kubeconfigOut, sandbox.client().getMasterUrl().toString());
        System.out.printf("sandbox: kubectl --kubeconfig %s get nvp,nodes%n", kubeconfigOut);
      }
      sandbox.apply(pools);
      Instant start = Instant.now();
      System.out.printf("sandbox: applied %d pool(s) from %s%n", pools.size(), file);
      int code =
          untilReady
              ? untilReady(sandbox, display, start)
              : untilStopped(sandbox, display, stop, start);
      if (metricsOut != null) {
        Files.writeString(metricsOut, sandbox.metrics().scrape());
        System.out.println("sandbox: wrote the operator's metrics to " + metricsOut);
      }
      if (dump != null) {
        writeDump(sandbox, dump);
        System.out.println("sandbox: wrote pools and nodes to " + dump);
      }
      if (!untilReady) {
        int terminated = sandbox.shutDown();
        System.out.printf(
            "sandbox: stopped after %s; terminated %d instance%s%n",
            seconds(start), terminated, terminated == 1 ? "" : "s");
      }
      return code;
    }
  }

  /** Shows progress until every pool is Ready (0) or the timeout passes (1, with reasons). */
  private int untilReady(Sandbox sandbox, ProgressDisplay display, Instant start)
      throws InterruptedException {
    Instant deadline = start.plus(timeout);
    while (true) {
      List<NestedVirtPool> pools = sandbox.pools();
      display.update(Duration.between(start, Instant.now()), pools, events(sandbox), false);
      if (pools.stream().allMatch(PoolProgress::isReady)) {
        System.out.printf("sandbox: all %d pool(s) Ready after %s%n", pools.size(), seconds(start));
        return 0;
      }
      if (Instant.now().isAfter(deadline)) {
        System.err.println("sandbox: timed out after " + timeout.toSeconds() + "s; not Ready:");
        pools.stream()
            .filter(p -> !PoolProgress.isReady(p))
            .forEach(p -> System.err.println("  " + PoolProgress.line(p)));
        return 1;
      }
      Thread.sleep(250);
    }
  }

  /** Shows progress until SIGINT or SIGTERM; a stop is a success. */
  private int untilStopped(Sandbox sandbox, ProgressDisplay display, StopSignal stop, Instant start)
      throws InterruptedException {
    while (!stop.await(Duration.ofMillis(250))) {
      display.update(
          Duration.between(start, Instant.now()), sandbox.pools(), events(sandbox), false);
    }
    display.update(Duration.between(start, Instant.now()), sandbox.pools(), events(sandbox), true);
    return 0;
  }

  /** Events only feed the live view; the plain display does not show them. */
  private static List<Event> events(Sandbox sandbox) {
    return sandbox.events();
  }

  private static String seconds(Instant start) {
    return String.format("%.1fs", Duration.between(start, Instant.now()).toMillis() / 1000.0);
  }

  private static void quietLogs() {
    for (String name : new String[] {"io.nestedvirt", "io.javaoperatorsdk"}) {
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
      }
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
