package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One of Kubernetes' own components (kube-controller-manager, kube-scheduler), built by
 * e2e/install.sh next to kubectl, run as a process against a {@link RealCluster} as the admin,
 * logging into {@code <logs>/<name>.log}.
 */
final class KubeComponent implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  final String name;
  final Path log;
  private final Process process;

  private KubeComponent(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static Path binary(E2EEnvironment env, String name) {
    Path binary = env.kubectl().resolveSibling(name);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(binary + " is missing: run e2e/install.sh");
    }
    return binary;
  }

  /** What {@code <name> --version} prints, e.g. {@code Kubernetes v1.34.4}. */
  static String version(E2EEnvironment env, String name) throws IOException {
    Process p =
        new ProcessBuilder(binary(env, name).toString(), "--version")
            .redirectErrorStream(true)
            .start();
    try (InputStream out = p.getInputStream()) {
      return new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  /**
   * kube-controller-manager with only {@code controllers} (and {@code flags}), waiting until its
   * log says each one started. No leader election (one instance), no serving port (no one scrapes
   * it), the admin's own credentials (no per-controller ServiceAccounts, whose token controller is
   * not running).
   */
  static KubeComponent controllerManager(
      E2EEnvironment env, Path kubeconfig, List<String> controllers, List<String> flags)
      throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--kubeconfig=" + kubeconfig);
    args.add("--controllers=" + String.join(",", controllers));
    args.add("--leader-elect=false");
    args.add("--secure-port=0");
    args.add("--use-service-account-credentials=false");
    args.add("--v=2");
    args.addAll(flags);
    KubeComponent component = start(env, "kube-controller-manager", args);
    component.awaitReady(
        () -> {
          String text = Files.readString(component.log);
          return controllers.stream()
              .allMatch(c -> text.contains("\"Started controller\" controller=\"" + c + "\""));
        },
        "start " + controllers);
    return component;
  }

  /**
   * kube-scheduler with its default profile, waiting until its {@code /readyz} answers 200 (its
   * informers synced and its event handlers registered). No leader election (one instance). It
   * serves HTTPS on a free loopback port with the self-signed certificate it writes into its
   * certificate directory, which is what this client trusts; {@code /readyz} is one of its
   * always-allowed paths, so the request needs no credentials.
   */
  static KubeComponent scheduler(E2EEnvironment env, Path kubeconfig) throws IOException {
    int port = Moto.freePort();
    Path certs = env.logs().resolve("kube-scheduler-certs");
    List<String> args = new ArrayList<>();
    args.add("--kubeconfig=" + kubeconfig);
    args.add("--authentication-kubeconfig=" + kubeconfig);
    args.add("--authorization-kubeconfig=" + kubeconfig);
    args.add("--leader-elect=false");
    args.add("--bind-address=127.0.0.1");
    args.add("--secure-port=" + port);
    args.add("--cert-dir=" + certs);
    args.add("--v=2");
    KubeComponent component = start(env, "kube-scheduler", args);
    URI readyz = URI.create("https://127.0.0.1:" + port + "/readyz");
    component.awaitReady(
        () -> {
          Path cert = certs.resolve("kube-scheduler.crt");
          if (!Files.exists(cert)) {
            return false;
          }
          try (HttpClient http = HttpClient.newBuilder().sslContext(trusting(cert)).build()) {
            HttpResponse<String> answer =
                http.send(
                    HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200;
          } catch (IOException notYet) {
            return false;
          }
        },
        "answer 200 on " + readyz);
    return component;
  }

  private static KubeComponent start(E2EEnvironment env, String name, List<String> args)
      throws IOException {
    Path log = env.logs().resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(binary(env, name).toString());
    command.addAll(args);
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new KubeComponent(name, log, process);
  }

  private interface Check {
    boolean passes() throws IOException, InterruptedException;
  }

  private void awaitReady(Check ready, String what) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              name + " exited with " + process.exitValue() + "; see " + log);
        }
        if (ready.passes()) {
          return;
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException(e);
    }
    close();
    throw new IllegalStateException(
        name + " did not " + what + " within " + START_TIMEOUT.toSeconds() + " s; see " + log);
  }

  /** An SSL context that trusts exactly the certificates in {@code pem}. */
  private static SSLContext trusting(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trusted.setCertificateEntry("cert-" + i++, c);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      // Written but not complete yet: the next check reads it again.
      throw new IOException("cannot read " + pem + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
