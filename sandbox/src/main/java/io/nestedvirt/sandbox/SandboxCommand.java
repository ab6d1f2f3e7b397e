package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
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
import picocli.CommandLine.Parameters;

/**
 * {@code sandbox}: the operator with an embedded API server and EC2 emulator, no account needed.
 */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description =
        "Run the operator against an embedded Kubernetes API server and EC2 emulator, apply"
            + " pools and other objects, and show their progress.")
public final class SandboxCommand implements Callable<Integer> {

  @Option(
      names = {"-f", "--filename"},
      arity = "1..*",
      defaultValue = "deploy/examples",
      paramLabel = "FILE|DIR",
      description =
          "YAML files or directories of them (their *.yaml and *.yml files) to apply: the"
              + " NestedVirtPools first, then every other object, such as Pods, RuntimeClasses,"
              + " DaemonSets (default: ${DEFAULT-VALUE}).")
  List<Path> files;

  @Option(
      names = "--until-ready",
      description =
          "Exit 0 once every pool is Ready and every pod applied is bound to a node; non-zero"
              + " with the reasons on timeout. Without it the sandbox runs until Ctrl-C (SIGINT) or"
              + " SIGTERM, then terminates every instance.")
  boolean untilReady;

  @Option(
      names = "--timeout",
      defaultValue = "2m",
      converter = Durations.class,
      description =
          "How long --until-ready waits, for example 90s or 2m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--dump",
      description =
          "On exit, write the pools, their machines, the nodes and the pods as YAML to FILE.")
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

  @Option(
      names = {"-v", "--verbose"},
      description =
          "Print the log lines of the operator (and of the libraries under it) here, between the"
              + " progress lines, instead of into --log-file.")
  boolean verbose;

  @Option(
      names = "--log-file",
      paramLabel = "FILE",
      description =
          "Where the operator's log lines go without -v (default: a new nestedvirt-sandbox-*.log"
              + " in the temporary directory); its path is printed first.")
  Path logFile;

  @Option(
      names = "--no-operator",
      description =
          "Start the stack alone (API server, EC2 emulator, simulated kubelets and node agents),"
              + " no operator, and print how to run the production jar against it (with"
              + " --kubeconfig-out). Given COMMAND, run it as that operator.")
  boolean noOperator;

  @Parameters(
      paramLabel = "COMMAND",
      arity = "0..*",
      description =
          "With --no-operator, after --: how to start the production jar, for example java"
              + " -XX:AOTCacheOutput=FILE -jar nestedvirt-operator.jar. The sandbox adds run and its"
              + " arguments, and stops it with SIGTERM before the stack stops (with --until-ready,"
              + " once every pool is Ready).")
  List<String> operatorCommand = List.of();

  /** The pods of the files (namespace/name), which --until-ready waits to see bound. */
  private List<String> podsApplied = List.of();

  /** How long a SIGTERM'd operator gets to exit; writing an AOT cache takes part of it. */
  private static final Duration OPERATOR_EXIT = Duration.ofMinutes(3);

  @Override
  public Integer call() throws Exception {
    for (Path file : files) {
      if (!Files.exists(file)) {
        System.err.println("error: " + file + " does not exist; pass -f FILE|DIR");
        return 2;
      }
    }
    String misuse = misuse();
    if (misuse != null) {
      System.err.println("error: " + misuse);
      return 2;
    }
    try (OperatorLog log =
        verbose
            ? OperatorLog.console()
            : OperatorLog.toFile(
                logFile != null ? logFile : Files.createTempFile("nestedvirt-sandbox-", ".log"))) {
      log.file()
          .ifPresent(
              f -> System.out.printf("sandbox: operator log in %s (-v prints it here)%n", f));
      return run();
    }
  }

  /** Starts the stack, applies the files and shows their progress; the exit status. */
  private int run() throws Exception {
    // An operator process writes to the same terminal: plain lines, no redrawn view.
    ProgressDisplay display =
        ProgressDisplay.choose(
            ProgressDisplay.stdoutIsTerminal() && operatorCommand.isEmpty(), System.out);
    if (display.live() && verbose) {
      // Log lines would scroll the live view away; the view shows the events instead.
      quietLogs();
    }
    // Installed before anything starts, so a Ctrl-C during startup also shuts down cleanly.
    StopSignal stop = untilReady ? StopSignal.none() : StopSignal.onSigintOrSigterm();
    Sandbox.Options options = new Sandbox.Options("sandbox", Duration.ofSeconds(1), bootDelay);
    try (Sandbox sandbox = noOperator ? Sandbox.startStack(options) : Sandbox.start(options);
        MetricsServer http = metricsPort == null ? null : sandbox.serveMetrics(metricsPort)) {
      sandbox.onNotice(display::note);
      ManifestFiles.Manifests manifests = ManifestFiles.read(sandbox.client(), files, System.err);
      List<NestedVirtPool> pools = manifests.pools();
      if (pools.isEmpty()) {
        System.err.println("error: no NestedVirtPool in " + sources());
        return 2;
      }
      List<String> unknown = ObjectApplier.unknownKinds(sandbox.client(), manifests.others());
      if (!unknown.isEmpty()) {
        unknown.forEach(u -> System.err.println("error: " + u));
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
      if (noOperator) {
        printOperatorCommand(sandbox);
      }
      try (ExternalOperator operator = startOperator(sandbox)) {
        // Pools first, so that the operator runs before pods arrive pending.
        sandbox.apply(pools);
        List<HasMetadata> others;
        try {
          others = ObjectApplier.apply(sandbox.client(), manifests.others());
        } catch (IllegalStateException refused) {
          System.err.println("error: " + refused.getMessage());
          return 2;
        }
        podsApplied =
            others.stream()
                .filter(o -> o instanceof Pod)
                .map(o -> o.getMetadata().getNamespace() + "/" + o.getMetadata().getName())
                .toList();
        Instant start = Instant.now();
        System.out.printf(
            "sandbox: applied %d pool(s)%s from %s%n",
            pools.size(),
            others.isEmpty() ? "" : " and " + others.size() + " other object(s)",
            sources());
        int code =
            untilReady
                ? untilReady(sandbox, display, start, operator)
                : untilStopped(sandbox, display, stop, start);
        if (operator != null) {
          code = Math.max(code, stopOperator(operator));
        }
        return finish(sandbox, start, code);
      }
    }
  }

  private String sources() {
    return String.join(" ", files.stream().map(Path::toString).toList());
  }

  /** What the options ask that cannot be done, or null. */
  private String misuse() {
    if (!operatorCommand.isEmpty() && !noOperator) {
      return "COMMAND runs the operator as its own process: add --no-operator";
    }
    if (noOperator && kubeconfigOut == null) {
      return "--no-operator needs --kubeconfig-out FILE, the kubeconfig the operator connects with";
    }
    if (noOperator && (metricsPort != null || metricsOut != null)) {
      return "--metrics-port and --metrics-out read the operator in this process; with"
          + " --no-operator, read that operator's own /metrics";
    }
    return null;
  }

  /** How to run the production jar against this stack, as a shell command line. */
  private void printOperatorCommand(Sandbox sandbox) {
    List<String> words = new ArrayList<>();
    Sandbox.operatorEnvironment(kubeconfigOut).forEach((k, v) -> words.add(k + "=" + quote(v)));
    words.add(
        "java --enable-native-access=ALL-UNNAMED -jar operator/target/nestedvirt-operator.jar");
    sandbox.operatorArguments().forEach(a -> words.add(quote(a)));
    System.out.printf(
        "sandbox: no operator in this process; run the production jar against this stack:%n  %s%n",
        String.join(" ", words));
  }

  private ExternalOperator startOperator(Sandbox sandbox) throws java.io.IOException {
    if (operatorCommand.isEmpty()) {
      return null;
    }
    List<String> command = new ArrayList<>(operatorCommand);
    command.addAll(sandbox.operatorArguments());
    ExternalOperator operator =
        ExternalOperator.start(command, Sandbox.operatorEnvironment(kubeconfigOut));
    System.out.printf(
        "sandbox: started the operator (pid %d): %s%n", operator.pid(), String.join(" ", command));
    return operator;
  }

  /**
   * SIGTERM to the operator process, and its exit: 0 if it exited, 1 if it had to be killed or had
   * ended on its own before (a Ctrl-C reaches it as well as the sandbox: that is a stop too).
   */
  private static int stopOperator(ExternalOperator operator) throws InterruptedException {
    if (!operator.isAlive()) {
      int status = operator.exitValue();
      System.out.printf("sandbox: the operator had already exited with status %d%n", status);
      return status == 128 + 2 || status == 128 + 15 ? 0 : 1;
    }
    Instant asked = Instant.now();
    var status = operator.stop(OPERATOR_EXIT);
    if (status.isEmpty()) {
      System.err.printf(
          "sandbox: the operator did not exit within %ds of SIGTERM; killed it%n",
          OPERATOR_EXIT.toSeconds());
      return 1;
    }
    System.out.printf(
        "sandbox: stopped the operator with SIGTERM; it exited with status %d after %s%n",
        status.getAsInt(), seconds(asked));
    return 0;
  }

  /** What the sandbox writes and says on its way out; {@code code} is the exit status. */
  private int finish(Sandbox sandbox, Instant start, int code) throws java.io.IOException {
    if (metricsOut != null) {
      Files.writeString(metricsOut, sandbox.metrics().scrape());
      System.out.println("sandbox: wrote the operator's metrics to " + metricsOut);
    }
    if (dump != null) {
      writeDump(sandbox, dump);
      System.out.println("sandbox: wrote pools, machines, nodes and pods to " + dump);
    }
    if (!untilReady) {
      int terminated = sandbox.shutDown();
      System.out.printf(
          "sandbox: stopped after %s; terminated %d instance%s%n",
          seconds(start), terminated, terminated == 1 ? "" : "s");
    }
    return code;
  }

  /** A word as a POSIX shell reads it back: quoted only where needed. */
  static String quote(String word) {
    return word.matches("[A-Za-z0-9_./:=+,@%-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  /**
   * Shows progress until every pool is Ready (0) or the timeout passes (1, with reasons); also 1 at
   * once when the operator process, if any, ends before.
   */
  private int untilReady(
      Sandbox sandbox, ProgressDisplay display, Instant start, ExternalOperator operator)
      throws InterruptedException {
    Instant deadline = start.plus(timeout);
    while (true) {
      if (operator != null && !operator.isAlive()) {
        System.err.printf(
            "sandbox: the operator exited with status %d before every pool was Ready%n",
            operator.exitValue());
        return 1;
      }
      List<NestedVirtPool> pools = sandbox.pools();
      List<Pod> pods = sandbox.pods();
      display.update(Duration.between(start, Instant.now()), pools, pods, events(sandbox), false);
      List<Pod> waiting = unbound(pods);
      if (pools.stream().allMatch(PoolProgress::isReady) && waiting.isEmpty()) {
        System.out.printf(
            "sandbox: all %d pool(s) Ready%s after %s%n",
            pools.size(),
            podsApplied.isEmpty() ? "" : " and " + podsApplied.size() + " pod(s) bound",
            seconds(start));
        return 0;
      }
      if (Instant.now().isAfter(deadline)) {
        System.err.println("sandbox: timed out after " + timeout.toSeconds() + "s; not Ready:");
        pools.stream()
            .filter(p -> !PoolProgress.isReady(p))
            .forEach(p -> System.err.println("  " + PoolProgress.line(p)));
        waiting.forEach(p -> System.err.println("  " + PodProgress.line(p)));
        return 1;
      }
      Thread.sleep(250);
    }
  }

  /** The pods of the files that are not bound to a node (yet). */
  private List<Pod> unbound(List<Pod> pods) {
    return pods.stream()
        .filter(p -> podsApplied.contains(PodProgress.key(p)))
        .filter(p -> !PodProgress.isBound(p))
        .toList();
  }

  /**
   * Shows progress until SIGINT or SIGTERM; a stop is a success. Without an operator in this
   * process, plain output also says when every pool has become Ready, for whoever waits on the
   * operator outside.
   */
  private int untilStopped(Sandbox sandbox, ProgressDisplay display, StopSignal stop, Instant start)
      throws InterruptedException {
    boolean allReady = false;
    while (!stop.await(Duration.ofMillis(250))) {
      List<NestedVirtPool> pools = sandbox.pools();
      display.update(
          Duration.between(start, Instant.now()), pools, sandbox.pods(), events(sandbox), false);
      boolean ready = pools.stream().allMatch(PoolProgress::isReady);
      if (ready && !allReady && !sandbox.runsOperator() && !display.live()) {
        System.out.printf("sandbox: all %d pool(s) Ready after %s%n", pools.size(), seconds(start));
      }
      allReady = ready;
    }
    display.update(
        Duration.between(start, Instant.now()),
        sandbox.pools(),
        sandbox.pods(),
        events(sandbox),
        true);
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
    items.addAll(sandbox.machines());
    List<Node> nodes = sandbox.client().nodes().list().getItems();
    items.addAll(nodes);
    items.addAll(sandbox.pods());
    // A plain v1 List (KubernetesList cannot hold our custom resource), readable by kubectl.
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    list.put("items", items);
    String yaml = sandbox.client().getKubernetesSerialization().asYaml(list);
    Files.writeString(path, yaml);
  }
}
