package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Where e2e/install.sh put the tools, read from the e2e.env file it writes. */
record E2EEnvironment(
    Path repo,
    Path operatorJar,
    Path sandboxJar,
    Path cache,
    String kubernetesVersion,
    String etcdVersion,
    Path moto,
    String motoVersion,
    Path kubectl,
    Path helm,
    Path kubeconform,
    Path openapi,
    Path logDir,
    DeployCheckTools deployChecks) {

  /**
   * The checkers of deploy/interruption: cfn-lint, python-hcl2's hcl2tojson and HashiCorp's hclfmt.
   */
  record DeployCheckTools(Path cfnLint, Path hcl2json, Path hclfmt) {}

  /** The command line that runs one of the operator jar's subcommands, as the image does. */
  List<String> operatorCommand(String subcommand) {
    return javaJar(operatorJar, subcommand);
  }

  /** The command line of the sandbox jar's {@code sandbox}, as bin/sandbox runs it. */
  List<String> sandboxCommand() {
    if (!Files.exists(sandboxJar)) {
      throw new IllegalStateException(sandboxJar + " is missing: build it with ./mvnw package");
    }
    return javaJar(sandboxJar, "sandbox");
  }

  private static List<String> javaJar(Path jar, String subcommand) {
    return new ArrayList<>(
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-jar",
            jar.toString(),
            subcommand));
  }

  static E2EEnvironment load() {
    Path repo = Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
    Path cache =
        Path.of(
            System.getenv()
                .getOrDefault("NESTEDVIRT_E2E_CACHE", repo.resolve(".e2e-cache").toString()));
    Path envFile = cache.resolve("e2e.env");
    if (!Files.exists(envFile)) {
      throw new IllegalStateException(
          envFile + " is missing: run e2e/install.sh first (bin/test-e2e does)");
    }
    Map<String, String> env = new HashMap<>();
    try {
      for (String line : Files.readAllLines(envFile)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path jar =
        Path.of(
            System.getProperty(
                "e2e.jar", repo.resolve("operator/target/nestedvirt-operator.jar").toString()));
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with ./mvnw package");
    }
    Path sandboxJar =
        Path.of(
            System.getProperty(
                "e2e.sandboxJar",
                repo.resolve("sandbox/target/nestedvirt-sandbox.jar").toString()));
    return new E2EEnvironment(
        repo,
        jar,
        sandboxJar,
        cache,
        env.get("NESTEDVIRT_E2E_K8S_VERSION"),
        env.get("NESTEDVIRT_E2E_ETCD_VERSION"),
        Path.of(env.get("NESTEDVIRT_E2E_MOTO")),
        env.get("NESTEDVIRT_E2E_MOTO_VERSION"),
        Path.of(env.get("NESTEDVIRT_E2E_KUBECTL")),
        tool(env, "NESTEDVIRT_E2E_HELM"),
        tool(env, "NESTEDVIRT_E2E_KUBECONFORM"),
        Path.of(env.getOrDefault("NESTEDVIRT_E2E_OPENAPI", "missing: run e2e/install.sh")),
        Path.of(System.getProperty("e2e.logs", repo.resolve("e2e/target/e2e-logs").toString())),
        new DeployCheckTools(
            tool(env, "NESTEDVIRT_E2E_CFN_LINT"),
            tool(env, "NESTEDVIRT_E2E_HCL2JSON"),
            tool(env, "NESTEDVIRT_E2E_HCLFMT")));
  }

  private static Path tool(Map<String, String> env, String key) {
    String path = env.get(key);
    if (path == null || !Files.isExecutable(Path.of(path))) {
      throw new IllegalStateException(
          key + " is not installed (" + path + "): run e2e/install.sh (bin/test-e2e does)");
    }
    return Path.of(path);
  }

  /** Where the stack's processes log (created if missing). */
  Path logs() {
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return logDir;
  }

  /**
   * The same tools, logging into {@code subdirectory} of the log directory: for a stack of its own,
   * whose logs and kubeconfigs must not overwrite the shared stack's.
   */
  E2EEnvironment loggingInto(String subdirectory) {
    return new E2EEnvironment(
        repo,
        operatorJar,
        sandboxJar,
        cache,
        kubernetesVersion,
        etcdVersion,
        moto,
        motoVersion,
        kubectl,
        helm,
        kubeconform,
        openapi,
        logDir.resolve(subdirectory),
        deployChecks);
  }
}
