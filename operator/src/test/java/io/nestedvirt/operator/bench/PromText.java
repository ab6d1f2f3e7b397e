package io.nestedvirt.operator.bench;

/** Reads sums out of the Prometheus text format, enough for the benchmark's few meters. */
final class PromText {
  private PromText() {}

  /**
   * The sum of every sample of {@code name} whose labels contain each of {@code labels} (given as
   * {@code key="value"}).
   */
  static double sum(String exposition, String name, String... labels) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String metric = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
      if (!metric.equals(name)) {
        continue;
      }
      String labelText = brace >= 0 ? line.substring(brace, line.indexOf('}') + 1) : "";
      boolean matches = true;
      for (String label : labels) {
        if (!labelText.contains(label)) {
          matches = false;
          break;
        }
      }
      if (matches) {
        total += Double.parseDouble(line.substring(space + 1).trim());
      }
    }
    return total;
  }
}
