package io.nestedvirt.sandbox;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * An operator that runs as its own process against the sandbox's stack (for example the production
 * jar, to train a JDK AOT cache), sharing the sandbox's output. It is stopped as Kubernetes stops a
 * pod: SIGTERM, then time to exit; a JVM writing an AOT cache takes several seconds after that.
 */
final class ExternalOperator implements AutoCloseable {
  private final Process process;

  private ExternalOperator(Process process) {
    this.process = process;
  }

  static ExternalOperator start(List<String> command, Map<String, String> environment)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(environment);
    return new ExternalOperator(builder.start());
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  /**
   * SIGTERM, then waits up to {@code patience} for the process to end (SIGKILL after that); returns
   * its exit status, or empty when it had to be killed.
   */
  OptionalInt stop(Duration patience) throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
    }
    if (process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
      return OptionalInt.of(process.exitValue());
    }
    process.destroyForcibly().waitFor();
    return OptionalInt.empty();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
