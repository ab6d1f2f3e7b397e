package io.nestedvirt.operator.e2e;

import io.nestedvirt.operator.metrics.Scrape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator jar's {@code run} command as a separate process, as it runs in production (leader
 * election on, JSON logs, /metrics on a port of its own). {@code name} names its log and is its
 * identity in the Lease (its {@code HOSTNAME}, as a pod's name is).
 */
final class OperatorProcess implements AutoCloseable {
  /**
   * Shorter than the defaults (15 s, 10 s, 2 s) so that the handover tests wait less; the same
   * rules hold (renew deadline below the lease, retry below the renew deadline).
   */
  static final Duration LEASE_DURATION = Duration.ofSeconds(8);

  static final Duration RENEW_DEADLINE = Duration.ofSeconds(6);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(1);

  private static final Pattern METRICS_PORT = Pattern.compile("/readyz on port (\\d+)");

  private final Process process;
  final String name;
  final Path log;

  OperatorProcess(E2EEnvironment env, Path kubeconfig, Moto moto, String cluster, String name)
      throws IOException {
    this(env, kubeconfig, moto.endpoint, cluster, name);
  }

  /** An operator whose EC2 requests go to {@code ec2} (moto, or a test's proxy in front of it). */
  OperatorProcess(E2EEnvironment env, Path kubeconfig, URI ec2, String cluster, String name)
      throws IOException {
    this.name = name;
    log = env.logs().resolve(name + ".log");
    List<String> command = env.operatorCommand("run");
    command.addAll(
        List.of(
            "--cluster-name",
            cluster,
            "--region",
            Moto.REGION,
            "--endpoint-url",
            ec2.toString(),
            "--refresh-period",
            "1s",
            "--kubernetes-version",
            "1.34",
            // Placeholders: the simulated kubelets read the NodeConfig but never connect.
            "--cluster-endpoint",
            "https://" + cluster + ".cluster.local",
            "--cluster-ca",
            Base64.getEncoder().encodeToString("e2e CA".getBytes()),
            "--service-cidr",
            "10.100.0.0/16",
            // moto does not report CpuOptions.NestedVirtualization (e2e/README.md).
            "--trust-unreported-nested-virtualization",
            "--interruption-queue",
            Moto.INTERRUPTION_QUEUE,
            "--metrics-port",
            "0",
            "--log-format",
            "json",
            "--lease-duration",
            LEASE_DURATION.toSeconds() + "s",
            "--renew-deadline",
            RENEW_DEADLINE.toSeconds() + "s",
            "--retry-period",
            RETRY_PERIOD.toSeconds() + "s"));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("AWS_ACCESS_KEY_ID", "test");
    builder.environment().put("AWS_SECRET_ACCESS_KEY", "test");
    builder.environment().remove("AWS_PROFILE");
    builder.environment().put("HOSTNAME", name);
    process = builder.start();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The port of its /metrics, /healthz and /readyz, once it has logged it. */
  int metricsPort() throws IOException {
    Matcher m = METRICS_PORT.matcher(logText());
    if (!m.find()) {
      throw new IllegalStateException(name + " has not said its metrics port yet; log: " + log);
    }
    return Integer.parseInt(m.group(1));
  }

  /** GET one of its HTTP endpoints. */
  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /** Its /metrics. */
  Scrape scrape() throws IOException, InterruptedException {
    return Scrape.parse(get("/metrics").body());
  }

  /** Its log so far. */
  String logText() throws IOException {
    return Files.readString(log);
  }

  /** Its exit status, once it has exited by itself within {@code timeout}; else empty. */
  java.util.OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? java.util.OptionalInt.of(process.exitValue())
        : java.util.OptionalInt.empty();
  }

  /** SIGKILL, as when its node dies: no shutdown hook runs, the lease is not released. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
