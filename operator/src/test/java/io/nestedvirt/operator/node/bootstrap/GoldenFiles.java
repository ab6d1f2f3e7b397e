package io.nestedvirt.operator.node.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code operator/src/test/resources/bootstrap/<case>.golden}, compared byte for
 * byte.
 *
 * <p>To create or update them after an intended change, run the tests with {@code UPDATE_GOLDEN=1}
 * in the environment, then review the diff and commit it:
 *
 * <pre>UPDATE_GOLDEN=1 ./mvnw -o test -Dtest='UserDataGoldenTest'</pre>
 *
 * With {@code UPDATE_GOLDEN=1} the tests rewrite the files instead of comparing, so they cannot
 * fail on content.
 */
final class GoldenFiles {
  private GoldenFiles() {}

  private static final String UPDATE_COMMAND =
      "UPDATE_GOLDEN=1 ./mvnw -o test -Dtest='UserDataGoldenTest'";

  static void assertMatchesGolden(String caseName, String actual) {
    Path file = directory().resolve(caseName + ".golden");
    byte[] actualBytes = actual.getBytes(StandardCharsets.UTF_8);
    try {
      if ("1".equals(System.getenv("UPDATE_GOLDEN"))) {
        Files.createDirectories(file.getParent());
        Files.write(file, actualBytes);
        return;
      }
      if (!Files.exists(file)) {
        fail(
            "golden file %s does not exist; create it with `%s`, check its content and commit it",
            file, UPDATE_COMMAND);
      }
      byte[] expected = Files.readAllBytes(file);
      assertThat(actual)
          .as(
              "user data for case '%s' differs from %s; if the change is intended, run `%s` and"
                  + " commit the new file",
              caseName, file, UPDATE_COMMAND)
          .isEqualTo(new String(expected, StandardCharsets.UTF_8));
      assertThat(actualBytes).as("bytes of %s", file).isEqualTo(expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Works from the module directory (Maven) and from the repository root (some IDEs). */
  private static Path directory() {
    Path fromModule = Path.of("src/test/resources/bootstrap");
    if (Files.isDirectory(fromModule.getParent())) {
      return fromModule;
    }
    return Path.of("operator/src/test/resources/bootstrap");
  }
}
