package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command-line tool (kubectl, helm, kubeconform) to its end, as a user would. */
final class Tool {
  /** Its exit status and what it printed (stdout and stderr together). */
  record Result(int code, String output) {}

  private static final long TIMEOUT_SECONDS = 60;

  private Tool() {}

  /**
   * @param directory the working directory, or null for this process's
   */
  static Result run(Path directory, List<String> command) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      Process p = builder.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " hung");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
