package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox jar's {@code sandbox} command as a separate process, as a user starts it from a
 * shell: its output goes to a file (so it is not a terminal and prints plain lines).
 */
final class SandboxProcess implements AutoCloseable {
  private static final Pattern EC2 = Pattern.compile("EC2 emulator (http://\\S+)");

  private final Process process;
  final Path log;

  SandboxProcess(E2EEnvironment env, String name, String... args) throws IOException {
    log = env.logs().resolve(name + ".log");
    List<String> command = env.sandboxCommand();
    command.addAll(List.of(args));
    process =
        new ProcessBuilder(command)
            .directory(env.repo().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  /** Waits until the output contains {@code text}; fails with the output if the process ends. */
  void awaitOutput(String text, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!output().contains(text)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "the sandbox exited ("
                + process.exitValue()
                + ") before printing '"
                + text
                + "':\n"
                + output());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "the sandbox did not print '" + text + "' within " + timeout + ":\n" + output());
      }
      Thread.sleep(200);
    }
  }

  /** The EC2 emulator's endpoint, as the sandbox printed it. */
  String ec2Endpoint() throws IOException {
    Matcher m = EC2.matcher(output());
    if (!m.find()) {
      throw new AssertionError("no EC2 endpoint in the sandbox's output:\n" + output());
    }
    return m.group(1);
  }

  /** SIGTERM (Process.destroy) and the exit status, waiting at most {@code timeout}. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("the sandbox did not stop within " + timeout + " of SIGTERM");
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
