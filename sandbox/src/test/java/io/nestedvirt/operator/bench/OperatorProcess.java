package io.nestedvirt.operator.bench;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.sandbox.ManifestFiles;
import io.nestedvirt.sandbox.kubelet.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its own JVM ({@code java -jar nestedvirt-operator.jar run}) against the
 * benchmark's embedded API server and EC2 emulator, so that its heap, RSS and CPU are its own.
 */
final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final int metricsPort;
  private final Path javaHome;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private OperatorProcess(Process process, int metricsPort, Path javaHome, Path log) {
    this.process = process;
    this.metricsPort = metricsPort;
    this.javaHome = javaHome;
    this.log = log;
  }

  /** The production jar's run against the stack, with extra JVM options (e.g. an AOT cache). */
  static OperatorProcess start(
      Path jar, BenchStack stack, Duration refreshPeriod, Path workDir, List<String> jvmOptions)
      throws IOException {
    return start(jar, stack, refreshPeriod, workDir, jvmOptions, "operator.log");
  }

  /** As above, with the process's output in {@code workDir/logName}. */
  static OperatorProcess start(
      Path jar,
      BenchStack stack,
      Duration refreshPeriod,
      Path workDir,
      List<String> jvmOptions,
      String logName)
      throws IOException {
    return start(jar, stack, refreshPeriod, workDir, jvmOptions, logName, List.of());
  }

  /** As above, with more options for the jar's {@code run} (e.g. {@code --batch-idle 1s}). */
  static OperatorProcess start(
      Path jar,
      BenchStack stack,
      Duration refreshPeriod,
      Path workDir,
      List<String> jvmOptions,
      String logName,
      List<String> runOptions)
      throws IOException {
    Files.createDirectories(workDir);
    Path kubeconfig = workDir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: bench
          cluster:
            server: %s
        users:
        - name: bench
          user:
            token: bench
        contexts:
        - name: bench
          context:
            cluster: bench
            user: bench
            namespace: default
        current-context: bench
        """
            .formatted(stack.api.url()));
    int port = freePort();
    Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("--sun-misc-unsafe-memory-access=allow");
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "run",
            "--cluster-name",
            BenchStack.CLUSTER,
            "--region",
            BenchStack.REGION,
            "--endpoint-url",
            stack.ec2.endpoint().toString(),
            "--no-server-side-apply",
            "--no-leader-election",
            "--metrics-port",
            Integer.toString(port),
            "--log-format",
            "json",
            "--refresh-period",
            refreshPeriod.toMillis() + "ms",
            "--kubernetes-version",
            "1.34",
            "--cluster-endpoint",
            "https://bench.cluster.local",
            "--cluster-ca",
            BenchStack.caPlaceholder(),
            "--service-cidr",
            "10.100.0.0/16"));
    command.addAll(runOptions);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve(logName).toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("AWS_ACCESS_KEY_ID", "bench");
    builder.environment().put("AWS_SECRET_ACCESS_KEY", "bench");
    builder.environment().put("AWS_REGION", BenchStack.REGION);
    Process process = builder.start();
    // An interrupted benchmark must not leave the operator running.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
    return new OperatorProcess(
        process, port, java.getParent().getParent(), workDir.resolve(logName));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** When the kernel started the process (from /proc, 10 ms resolution). */
  Instant startedAt() {
    return process.info().startInstant().orElseThrow();
  }

  /** The /metrics text, or null while the server is not up yet. */
  String scrape() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** User plus system CPU time the process has used, in seconds (from /proc/PID/stat). */
  double cpuSeconds() {
    return ProcStat.cpuSeconds(process.pid());
  }

  /** Resident set size in bytes (VmRSS). */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return -1;
  }

  /** A class histogram: its top lines, and the bytes of every live object it counted. */
  record Histogram(List<String> top, long liveBytes) {}

  /**
   * The live objects on the heap ({@code jcmd PID GC.class_histogram}, which runs a full GC first
   * and counts only what survives it): the largest {@code n} classes and the total. The whole
   * histogram goes to {@code saveTo}, for finding what the top does not show.
   */
  Histogram classHistogram(int n, Path saveTo) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                javaHome.resolve("bin/jcmd").toString(),
                Long.toString(process.pid()),
                "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes());
    jcmd.waitFor(60, TimeUnit.SECONDS);
    Files.writeString(saveTo, out);
    List<String> top =
        out.lines().filter(l -> l.matches("\\s*\\d+:.*")).limit(n).map(String::strip).toList();
    long total =
        out.lines()
            .filter(l -> l.startsWith("Total"))
            .map(l -> Long.parseLong(l.strip().split("\\s+")[2]))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no Total in jcmd's histogram: " + out));
    return new Histogram(top, total);
  }

  /** Whether the process's output says {@code text} (an OutOfMemoryError, say). */
  boolean logContains(String text) throws IOException {
    try (var lines = Files.lines(log)) {
      return lines.anyMatch(l -> l.contains(text));
    }
  }

  /** When the operator wrote its first log line (the JSON {@code timestamp}), if it has. */
  Instant firstLogLine() throws IOException {
    try (var lines = Files.lines(log)) {
      return lines
          .map(l -> java.util.regex.Pattern.compile("\"timestamp\":(\\d+)").matcher(l))
          .filter(java.util.regex.Matcher::find)
          .map(m -> Instant.ofEpochMilli(Long.parseLong(m.group(1))))
          .findFirst()
          .orElse(null);
    }
  }

  /**
   * Runs a full GC in the process ({@code jcmd PID GC.run}); fails loudly when jcmd could not, so
   * that a heap figure is never taken without the collection it claims.
   */
  void fullGc() throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                javaHome.resolve("bin/jcmd").toString(), Long.toString(process.pid()), "GC.run")
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes());
    if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
      throw new IllegalStateException("jcmd GC.run did not finish in 60 s");
    }
    if (jcmd.exitValue() != 0 || !out.contains("Command executed successfully")) {
      throw new IllegalStateException("jcmd GC.run failed: " + out.strip());
    }
  }

  /**
   * Trains a JDK AOT cache (JEP 483/514) for {@code jar} as an admin trains one (README,
   * Performance): the jar's {@code run}, started with {@code -XX:AOTCacheOutput}, against a stack
   * holding the example pools (deploy/examples) until they are Ready, then stopped with SIGTERM;
   * the JVM writes the cache as it exits. The cache is valid only for this JDK build and this jar
   * path, which is why the production jar itself trains it.
   */
  static void trainAotCache(Path jar, Path cache, Path workDir, Duration refreshPeriod)
      throws IOException, InterruptedException {
    Files.deleteIfExists(cache);
    String log = "aot-training.log";
    try (BenchStack stack = new BenchStack(Verdict::expectedFor)) {
      List<NestedVirtPool> pools =
          ManifestFiles.pools(stack.client(), Path.of("deploy", "examples"), System.err);
      pools.forEach(p -> stack.client().resource(p).create());
      OperatorProcess op =
          start(jar, stack, refreshPeriod, workDir, List.of("-XX:AOTCacheOutput=" + cache), log);
      try {
        if (!stack.awaitReady(pools.size(), Duration.ofSeconds(120))) {
          throw new IllegalStateException(
              "AOT training: the example pools were not Ready within 120 s; see "
                  + workDir.resolve(log));
        }
        // SIGTERM, as Kubernetes stops the pod; assembling the cache takes a few seconds more.
        op.process.destroy();
        if (!op.process.waitFor(180, TimeUnit.SECONDS)) {
          throw new IllegalStateException("AOT training: the operator did not exit in 180 s");
        }
      } finally {
        op.close();
      }
    }
    if (!Files.exists(cache)) {
      throw new IllegalStateException("AOT training wrote no cache; see " + workDir.resolve(log));
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
