package io.nestedvirt.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the terminal shows while the sandbox runs: how many pods wait for a node, one row per pool
 * with its desired count, its instances at each step (launching, joining, verifying, ready,
 * draining) and how many match the pool (a rollout replaces the others), and the latest events. A
 * pure function of its input, so the rendering is tested without a terminal.
 */
final class LiveView {
  static final int EVENTS = 6;
  static final int WIDTH = 160;

  private LiveView() {}

  static List<String> render(
      Duration elapsed,
      List<PoolRow> pools,
      int pendingPods,
      List<EventRow> events,
      Instant now,
      boolean stopping) {
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            "nestedvirt sandbox  %s  %d pool(s)  %s%s",
            clock(elapsed),
            pools.size(),
            pendingPods == 0 ? "" : pendingPods + " pod(s) pending  ",
            stopping ? "stopping..." : "(Ctrl-C stops)"));
    lines.add("");
    lines.add(
        String.format(
            "%-20s %7s %9s %7s %9s %5s %8s %10s  %s",
            "POOL",
            "DESIRED",
            "LAUNCHING",
            "JOINING",
            "VERIFYING",
            "READY",
            "DRAINING",
            "UP-TO-DATE",
            "STATUS"));
    for (PoolRow p : pools) {
      lines.add(
          String.format(
              "%-20s %7d %9d %7d %9d %5d %8d %10d  %s",
              p.name(),
              p.desired(),
              p.launching(),
              p.joining(),
              p.verifying(),
              p.ready(),
              p.draining(),
              p.upToDate(),
              p.status()));
    }
    if (pools.isEmpty()) {
      lines.add("(no pools: kubectl apply -f a NestedVirtPool)");
    }
    lines.add("");
    lines.add("LATEST EVENTS");
    for (EventRow e : events) {
      lines.add(
          String.format(
              "%6s  %-8s %-16s %-20s %s",
              age(e.at(), now), e.type(), e.reason(), e.object(), e.message()));
    }
    if (events.isEmpty()) {
      lines.add("(none yet)");
    }
    return lines.stream().map(LiveView::fit).toList();
  }

  private static String clock(Duration d) {
    long s = d.toSeconds();
    return String.format("%d:%02d", s / 60, s % 60);
  }

  private static String age(Instant at, Instant now) {
    long s = Math.max(0, Duration.between(at, now).toSeconds());
    return s < 120 ? s + "s" : s / 60 + "m";
  }

  /** Long lines would wrap and break the in-place redraw, which counts lines. */
  private static String fit(String line) {
    return line.length() <= WIDTH ? line : line.substring(0, WIDTH - 3) + "...";
  }
}
