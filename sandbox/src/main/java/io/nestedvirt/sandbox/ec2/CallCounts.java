package io.nestedvirt.sandbox.ec2;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Calls received per action, including the ones that failed (so retries show up). */
final class CallCounts {
  private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  void record(String action) {
    counts.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
  }

  int get(String action) {
    AtomicInteger count = counts.get(action);
    return count == null ? 0 : count.get();
  }

  Map<String, Integer> snapshot() {
    Map<String, Integer> copy = new TreeMap<>();
    counts.forEach((action, count) -> copy.put(action, count.get()));
    return copy;
  }

  void reset() {
    counts.clear();
  }
}
