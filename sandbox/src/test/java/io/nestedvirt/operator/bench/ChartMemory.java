package io.nestedvirt.operator.bench;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's memory settings as the chart gives them (helm/nestedvirt-operator/values.yaml:
 * {@code resources.limits.memory} and {@code jvmOptions}), turned into the JVM options that make a
 * plain process see what the container would: {@code -XX:MaxRAM} is the limit the JVM reads from
 * the cgroup in a pod. Read from the chart, so the benchmark measures what is shipped.
 *
 * @param limitMiB the container's memory limit
 * @param jvmOptions the chart's JVM options
 */
record ChartMemory(long limitMiB, List<String> jvmOptions) {
  static final Path VALUES = Path.of("helm", "nestedvirt-operator", "values.yaml");

  private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Mi|Gi)");

  /** From the repository's root (bin/bench) or from a module's directory (its tests). */
  static ChartMemory read() throws IOException {
    Path values = Files.exists(VALUES) ? VALUES : Path.of("..").resolve(VALUES);
    return read(values);
  }

  static ChartMemory read(Path valuesFile) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> values =
        new KubernetesSerialization().unmarshal(Files.readString(valuesFile), Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> resources = (Map<String, Object>) values.get("resources");
    @SuppressWarnings("unchecked")
    Map<String, Object> limits = (Map<String, Object>) resources.get("limits");
    String options = String.valueOf(values.get("jvmOptions"));
    return new ChartMemory(
        mebibytes(String.valueOf(limits.get("memory"))),
        Arrays.stream(options.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
  }

  /** The same options with another limit, for finding the limit a larger cluster needs. */
  ChartMemory withLimit(long mib) {
    return new ChartMemory(mib, jvmOptions);
  }

  /** What the JVM in the chart's container runs with. */
  List<String> asJvmOptions() {
    List<String> all = new ArrayList<>();
    all.add("-XX:MaxRAM=" + limitMiB + "m");
    all.addAll(jvmOptions);
    return all;
  }

  static long mebibytes(String quantity) {
    Matcher m = QUANTITY.matcher(quantity.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "a memory limit in Mi or Gi is expected in " + VALUES + ", was " + quantity);
    }
    long n = Long.parseLong(m.group(1));
    return m.group(2).equals("Gi") ? n * 1024 : n;
  }
}
