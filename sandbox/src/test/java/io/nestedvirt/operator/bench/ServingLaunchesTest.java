package io.nestedvirt.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServingLaunchesTest {
  private static final long MS = 1_000_000;

  @Test
  void podIWaitsForTheCeilOfIPlusOneOverKThLaunchInTimeOrder() {
    // Three pods per node; pods pending at 0, 10, ..., 50 ms; launches reported out of order.
    long[] pending = {0, 10 * MS, 20 * MS, 30 * MS, 40 * MS, 50 * MS};
    ServingLaunches.Waits waits =
        new ServingLaunches(pending, List.of(300 * MS, 100 * MS), 3).waits();

    // Pods 0-2 wait for the launch at 100 ms, pods 3-5 for the one at 300 ms.
    assertThat(waits.toLaunch().count()).isEqualTo(6);
    assertThat(waits.toLaunch().percentile(0.1)).as("pod 2: 100 - 20").isEqualTo(80.0);
    assertThat(waits.toLaunch().max()).as("pod 3: 300 - 30").isEqualTo(270.0);
    assertThat(waits.toLaunch().percentile(50))
        .as("third smallest: pod 0, 100 - 0")
        .isEqualTo(100.0);
    assertThat(waits.onEarlierRoom()).isZero();
    assertThat(waits.unserved()).isZero();
  }

  @Test
  void aPodTakingRoomOnANodeLaunchedBeforeItCameWaitsZeroAndIsCounted() {
    // Two per node: pod 1 comes after the node it shares with pod 0 launched.
    long[] pending = {0, 200 * MS};
    ServingLaunches.Waits waits = new ServingLaunches(pending, List.of(100 * MS), 2).waits();

    assertThat(waits.onEarlierRoom()).isEqualTo(1);
    assertThat(waits.toLaunch().percentile(1)).isEqualTo(0.0);
    assertThat(waits.toLaunch().max()).isEqualTo(100.0);
  }

  @Test
  void podsBeyondTheLaunchedNodesAreUnservedNotSampled() {
    long[] pending = {0, 1, 2, 3, 4};
    ServingLaunches.Waits waits = new ServingLaunches(pending, List.of(10 * MS), 2).waits();

    assertThat(waits.toLaunch().count()).as("pods 0 and 1").isEqualTo(2);
    assertThat(waits.unserved()).isEqualTo(3);
  }

  @Test
  void burstsArePodsDueTogetherTimedFromFirstToLastAndFromLastToItsLaunch() {
    // Two bursts of two pods, one per node; a lone pod after them is no burst.
    long[] due = {0, 0, 1000 * MS, 1000 * MS, 2000 * MS};
    long[] pending = {0, 5 * MS, 1000 * MS, 1020 * MS, 2000 * MS};
    List<Long> launches = List.of(100 * MS, 200 * MS, 1500 * MS, 1600 * MS, 2500 * MS);
    ServingLaunches.Bursts bursts = new ServingLaunches(pending, launches, 1).bursts(due);

    assertThat(bursts.creation().count()).isEqualTo(2);
    assertThat(bursts.creation().percentile(1)).isEqualTo(5.0);
    assertThat(bursts.creation().max()).isEqualTo(20.0);
    // Last pods: pod 1 (5 ms) waits for launch 2 (200 ms), pod 3 (1020 ms) for launch 4 (1600).
    assertThat(bursts.lastPodToLaunch().percentile(1)).isEqualTo(195.0);
    assertThat(bursts.lastPodToLaunch().max()).isEqualTo(580.0);
  }
}
