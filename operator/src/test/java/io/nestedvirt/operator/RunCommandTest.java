package io.nestedvirt.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code run} refuses before it touches a cluster, and how it says so. */
class RunCommandTest {
  @Test
  void aRenewDeadlineNotShorterThanTheLeaseIsRefusedWithWhy() {
    Result r = run("--renew-deadline", "15s", "--lease-duration", "15s");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err)
        .contains(
            "the renew deadline (15s) must be shorter than the lease duration (15s), or two"
                + " replicas could both think they lead");
  }

  @Test
  void aRetryPeriodNotShorterThanTheRenewDeadlineIsRefusedWithWhy() {
    Result r = run("--retry-period", "10s");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err)
        .contains("the retry period (10s) must be shorter than the renew deadline (10s)");
  }

  @Test
  void aLaunchGraceNotLongerThanTheRefreshPeriodIsRefusedWithWhy() {
    Result r = run("--launch-grace", "30s");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err)
        .contains(
            "the launch grace (30s) must be longer than the refresh period (30s), or a launch that"
                + " landed could be given up before any listing could show it");
  }

  @Test
  void theLaunchGraceIsFiveMinutesUnlessSetAndReachesTheSettings() {
    RunCommand defaults = new RunCommand();
    new CommandLine(defaults).parseArgs("--cluster-name", "test");
    assertThat(defaults.settings().launchGrace()).isEqualTo(java.time.Duration.ofMinutes(5));

    RunCommand shortened = new RunCommand();
    new CommandLine(shortened).parseArgs("--cluster-name", "test", "--launch-grace", "45s");
    assertThat(shortened.settings().launchGrace()).isEqualTo(java.time.Duration.ofSeconds(45));
  }

  @Test
  void theImageRefreshIsAnHourUnlessSetAndReachesTheSettings() {
    RunCommand defaults = new RunCommand();
    new CommandLine(defaults).parseArgs("--cluster-name", "test");
    assertThat(defaults.settings().imageRefresh()).isEqualTo(java.time.Duration.ofHours(1));

    RunCommand shortened = new RunCommand();
    new CommandLine(shortened).parseArgs("--cluster-name", "test", "--image-refresh", "10m");
    assertThat(shortened.settings().imageRefresh()).isEqualTo(java.time.Duration.ofMinutes(10));
  }

  @Test
  void aZeroImageRefreshIsRefusedWithWhy() {
    Result r = run("--image-refresh", "0s");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("--image-refresh must be longer than zero");
  }

  @Test
  void anUnknownLogFormatIsRefusedWithTheChoices() {
    Result r = run("--log-format", "xml");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("--log-format").contains("text, json");
  }

  /**
   * Without a first instance listing the operator must not start (a reconcile could not tell which
   * instances exist); it says so in one line with what to check, not a stack trace.
   */
  @Test
  void unreachableEc2EndsTheStartWithOneClearLine(@TempDir Path tmp) throws Exception {
    try (MockApiServer api = MockApiServer.start()) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      Files.writeString(kubeconfig, kubeconfig(api.client().getMasterUrl().toString()));
      System.setProperty("kubeconfig", kubeconfig.toString());
      System.setProperty("aws.accessKeyId", "test");
      System.setProperty("aws.secretAccessKey", "test");
      Result r;
      try {
        r =
            run(
                "--endpoint-url",
                "http://127.0.0.1:1",
                "--no-leader-election",
                "--no-server-side-apply",
                "--metrics-port",
                "0",
                "--kubernetes-version",
                "1.34");
      } finally {
        System.clearProperty("kubeconfig");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
      }
      assertThat(r.code).isEqualTo(1);
      assertThat(r.err)
          .startsWith("error: cannot list the cluster's EC2 instances in us-east-1: ")
          .contains("DescribeInstances failed")
          .contains("Check the operator's AWS credentials")
          .contains("deploy/iam-policy.json")
          .doesNotContain("\tat ")
          .doesNotContain("OperatorException");
    }
  }

  @Test
  void anUnreachableApiServerEndsTheStartWithOneClearLine(@TempDir Path tmp) throws Exception {
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, kubeconfig("http://127.0.0.1:1"));
    System.setProperty("kubeconfig", kubeconfig.toString());
    // fabric8 retries a refused connection for about 20 s by default; once is enough here.
    System.setProperty("kubernetes.request.retry.backoffLimit", "0");
    Result r;
    try {
      r =
          run(
              "--endpoint-url",
              "http://127.0.0.1:1",
              "--no-leader-election",
              "--metrics-port",
              "0",
              "--kubernetes-version",
              "1.34");
    } finally {
      System.clearProperty("kubeconfig");
      System.clearProperty("kubernetes.request.retry.backoffLimit");
    }
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err)
        .contains(
            "error: cannot watch NestedVirtPools and Nodes on the Kubernetes API server at"
                + " http://127.0.0.1:1/")
        .contains("Check the kubeconfig")
        .doesNotContain("\tat ");
  }

  private static String kubeconfig(String server) {
    return """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "%s"}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        users: [{name: u, user: {token: t}}]
        current-context: c
        """
        .formatted(server);
  }

  private record Result(int code, String err) {}

  private static Result run(String... extra) {
    String[] args = new String[extra.length + 4];
    args[0] = "--cluster-name";
    args[1] = "test";
    args[2] = "--region";
    args[3] = "us-east-1";
    System.arraycopy(extra, 0, args, 4, extra.length);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true));
    try {
      CommandLine cli = new CommandLine(new RunCommand());
      cli.setErr(new java.io.PrintWriter(System.err, true));
      return new Result(cli.execute(args), err.toString());
    } finally {
      System.setErr(old);
    }
  }
}
