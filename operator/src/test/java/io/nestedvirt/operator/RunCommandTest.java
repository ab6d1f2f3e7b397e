package io.nestedvirt.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
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
  void anUnknownLogFormatIsRefusedWithTheChoices() {
    Result r = run("--log-format", "xml");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("--log-format").contains("text, json");
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
