package io.nestedvirt.operator.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Latencies in milliseconds, summarised by nearest-rank percentiles. */
final class Samples {
  private final List<Double> values = new ArrayList<>();

  synchronized void add(double millis) {
    values.add(millis);
  }

  synchronized int count() {
    return values.size();
  }

  synchronized double percentile(double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double max() {
    return percentile(100);
  }

  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("events", count());
    m.put("p50Ms", round(percentile(50)));
    m.put("p99Ms", round(percentile(99)));
    m.put("maxMs", round(max()));
    return m;
  }

  static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
