package io.nestedvirt.operator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the JVM's own GC log ({@code -Xlog:gc,gc+cpu:file=...}) says about a run: every pause, and
 * the CPU time the collector used (its {@code User} plus {@code Sys}, concurrent work included),
 * whichever collector the JVM chose.
 *
 * @param pausesMs each stop-the-world pause, in order
 * @param gcCpuSeconds the collector's CPU time over the run
 * @param collector the collector's name as the log gives it, or "unknown"
 */
record GcLog(List<Double> pausesMs, double gcCpuSeconds, String collector) {
  private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*\\s(\\d+(?:\\.\\d+)?)ms$");
  private static final Pattern CPU =
      Pattern.compile("User=(\\d+(?:\\.\\d+)?)s Sys=(\\d+(?:\\.\\d+)?)s");
  private static final Pattern USING = Pattern.compile("Using (.+)$");

  static GcLog read(Path file) throws IOException {
    return parse(Files.readAllLines(file));
  }

  static GcLog parse(List<String> lines) {
    List<Double> pauses = new ArrayList<>();
    double cpu = 0;
    String collector = "unknown";
    for (String line : lines) {
      Matcher pause = PAUSE.matcher(line);
      if (pause.find()) {
        pauses.add(Double.parseDouble(pause.group(1)));
      }
      Matcher c = CPU.matcher(line);
      if (c.find()) {
        cpu += Double.parseDouble(c.group(1)) + Double.parseDouble(c.group(2));
      }
      Matcher using = USING.matcher(line);
      if (using.find() && collector.equals("unknown")) {
        collector = using.group(1).trim();
      }
    }
    return new GcLog(List.copyOf(pauses), cpu, collector);
  }

  /** The pause at or below which {@code p} of all pauses fall (nearest rank); 0 without pauses. */
  double pausePercentileMs(double p) {
    if (pausesMs.isEmpty()) {
      return 0;
    }
    List<Double> sorted = pausesMs.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double pausesTotalMs() {
    return pausesMs.stream().mapToDouble(Double::doubleValue).sum();
  }
}
