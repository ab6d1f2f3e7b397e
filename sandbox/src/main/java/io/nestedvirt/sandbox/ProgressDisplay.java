package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where the sandbox shows progress: redrawn in place on a terminal, or one line per change when the
 * output goes to a file or a pipe (CI logs, tests), where escape codes would be noise.
 */
abstract class ProgressDisplay {
  protected final PrintStream out;

  ProgressDisplay(PrintStream out) {
    this.out = out;
  }

  /** A live view when stdout is a terminal, plain lines otherwise. */
  static ProgressDisplay choose(boolean terminal, PrintStream out) {
    return terminal ? new Live(out) : new Plain(out);
  }

  /** Whether this JVM's stdout is an interactive terminal (JDK 22+ has a console either way). */
  static boolean stdoutIsTerminal() {
    return System.console() != null && System.console().isTerminal();
  }

  abstract boolean live();

  /**
   * A line of its own (such as what EC2 was asked to do), from any thread: kept on screen, above
   * the live view.
   */
  abstract void note(String line);

  abstract void update(
      Duration elapsed,
      List<NestedVirtPool> pools,
      List<Pod> pods,
      List<Event> events,
      boolean stopping);

  /** One line per pool or pod whose progress changed. */
  static final class Plain extends ProgressDisplay {
    private final Map<String, String> last = new HashMap<>();
    private final Map<String, String> lastPod = new HashMap<>();

    Plain(PrintStream out) {
      super(out);
    }

    @Override
    boolean live() {
      return false;
    }

    @Override
    synchronized void note(String line) {
      out.println(line);
    }

    @Override
    synchronized void update(
        Duration elapsed,
        List<NestedVirtPool> pools,
        List<Pod> pods,
        List<Event> events,
        boolean stopping) {
      for (Pod pod : pods) {
        String line = PodProgress.line(pod);
        if (!line.equals(lastPod.put(PodProgress.key(pod), line))) {
          out.printf("[%5.1fs] %s%n", elapsed.toMillis() / 1000.0, line);
        }
      }
      for (NestedVirtPool pool : pools) {
        String line = PoolProgress.line(pool);
        if (!line.equals(last.put(pool.name(), line))) {
          out.printf("[%5.1fs] %s%n", elapsed.toMillis() / 1000.0, line);
        }
      }
      // A pool deleted (kubectl delete) is gone from the list: say so once.
      Set<String> present = pools.stream().map(NestedVirtPool::name).collect(Collectors.toSet());
      for (String gone : List.copyOf(last.keySet())) {
        if (!present.contains(gone)) {
          last.remove(gone);
          out.printf("[%5.1fs] %-16s deleted%n", elapsed.toMillis() / 1000.0, gone);
        }
      }
    }
  }

  /** Redraws the view over its previous frame with ANSI cursor movement. */
  static final class Live extends ProgressDisplay {
    /** Moves the cursor to the start of the line N lines up. */
    static final String UP = "\u001b[%dF";

    /** Clears from the cursor to the end of the screen. */
    static final String CLEAR_BELOW = "\u001b[J";

    private List<String> drawn = List.of();

    Live(PrintStream out) {
      super(out);
    }

    @Override
    boolean live() {
      return true;
    }

    /** Draws the line where the frame began and the frame again below it. */
    @Override
    synchronized void note(String line) {
      StringBuilder frame = new StringBuilder();
      if (!drawn.isEmpty()) {
        frame.append(String.format(UP, drawn.size()));
      }
      frame.append(CLEAR_BELOW).append(line).append('\n');
      for (String drawnLine : drawn) {
        frame.append(drawnLine).append('\n');
      }
      out.print(frame);
      out.flush();
    }

    @Override
    synchronized void update(
        Duration elapsed,
        List<NestedVirtPool> pools,
        List<Pod> pods,
        List<Event> events,
        boolean stopping) {
      List<String> lines =
          LiveView.render(
              elapsed,
              pools.stream().map(PoolRow::of).toList(),
              (int) pods.stream().filter(p -> !PodProgress.isBound(p)).count(),
              EventRow.latest(events, LiveView.EVENTS),
              Instant.now(),
              stopping);
      if (lines.equals(drawn)) {
        return; // nothing changed since the last frame: no flicker, no output
      }
      StringBuilder frame = new StringBuilder();
      if (!drawn.isEmpty()) {
        frame.append(String.format(UP, drawn.size()));
      }
      frame.append(CLEAR_BELOW);
      for (String line : lines) {
        frame.append(line).append('\n');
      }
      out.print(frame);
      out.flush();
      drawn = lines;
    }
  }
}
