package io.nestedvirt.operator.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which launch serves which pending pod, when every pod is alike and {@code perNode} of them fill a
 * node (the demand phase's pods, see {@link DemandBenchmark}): the operator packs pods first-fit
 * decreasing with ties broken by name, which the phase makes arrival order, and re-packs every
 * pending pod onto the room of nodes already coming before it opens new ones. So pods 0..i are all
 * served exactly when {@code ceil((i+1)/perNode)} nodes have launched, and pod i waits for the
 * pool's {@code ceil((i+1)/perNode)}-th launch, whichever machine that is. Pure: times are {@link
 * System#nanoTime} readings.
 */
final class ServingLaunches {
  private final long[] pendingAt;
  private final List<Long> launches;
  private final int perNode;

  /**
   * @param pendingAt when each pod became pending, in arrival order
   * @param launches when each node of the pool launched, in any order
   */
  ServingLaunches(long[] pendingAt, List<Long> launches, int perNode) {
    if (perNode < 1) {
      throw new IllegalArgumentException("perNode must be at least 1, was " + perNode);
    }
    this.pendingAt = pendingAt.clone();
    List<Long> sorted = new ArrayList<>(launches);
    Collections.sort(sorted);
    this.launches = List.copyOf(sorted);
    this.perNode = perNode;
  }

  /**
   * Each served pod's wait from pending to its node's launch; a pod that took room on a node
   * launched before it came waited for none (0 ms), and is counted in {@code onEarlierRoom}.
   */
  record Waits(Samples toLaunch, int onEarlierRoom, int unserved) {}

  Waits waits() {
    Samples toLaunch = new Samples();
    int onEarlierRoom = 0;
    int unserved = 0;
    for (int i = 0; i < pendingAt.length; i++) {
      Long launch = launchServing(i);
      if (launch == null) {
        unserved++;
        continue;
      }
      long wait = launch - pendingAt[i];
      if (wait < 0) {
        onEarlierRoom++;
      }
      toLaunch.add(Math.max(0, wait) / 1e6);
    }
    return new Waits(toLaunch, onEarlierRoom, unserved);
  }

  /**
   * Per burst (consecutive pods with the same due time; single pods are no burst): how long
   * creating it took, and its last pod's wait for its node's launch, in milliseconds.
   */
  record Bursts(Samples creation, Samples lastPodToLaunch) {}

  Bursts bursts(long[] dueNanos) {
    Samples creation = new Samples();
    Samples lastPodToLaunch = new Samples();
    for (int first = 0, last; first < pendingAt.length; first = last + 1) {
      last = first;
      while (last + 1 < pendingAt.length && dueNanos[last + 1] == dueNanos[first]) {
        last++;
      }
      Long launch = launchServing(last);
      if (last > first && launch != null) {
        creation.add((pendingAt[last] - pendingAt[first]) / 1e6);
        lastPodToLaunch.add((launch - pendingAt[last]) / 1e6);
      }
    }
    return new Bursts(creation, lastPodToLaunch);
  }

  /** The ceil((pod+1)/perNode)-th launch, or null when there were not that many. */
  private Long launchServing(int pod) {
    int node = pod / perNode; // 0-based: ceil((pod + 1) / perNode) - 1
    return node < launches.size() ? launches.get(node) : null;
  }
}
