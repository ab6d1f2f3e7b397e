package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One decision never becomes two instances, whatever EC2 does to the answers. Each machine launches
 * under a client token derived from its uid and repeats the same call when the outcome is
 * uncertain; EC2 (here the emulator, which implements the token as EC2 documents it) answers a
 * repeat with the instance the first call created.
 */
class LaunchIdempotencyTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  /**
   * The scenario: every RunInstances is applied by EC2 but its response is lost, on every
   * SDK attempt, for 40 s; listings show a launch only 5 s after it; the operator lists with the
   * default 30 s refresh. An operator that dropped the decision on a failed call and decided again
   * launched 9 instances for a pool of 3 here.
   */
  @Test
  void responsesLostForFortySecondsWithALaggingListingNeverRunMoreThanReplicas() throws Exception {
    bed.ec2.failWithInternalErrorAfterApplying("RunInstances", Integer.MAX_VALUE);
    CountingCloud lagging = new CountingCloud(bed.aws);
    lagging.listingFilter =
        listed ->
            listed.stream()
                .filter(
                    i ->
                        i.launchTime() == null
                            || !i.launchTime().plusSeconds(5).isAfter(bed.clock.instant()))
                .toList();
    AtomicInteger mostRunning = new AtomicInteger();
    bed.ec2.onStateChange(i -> mostRunning.accumulateAndGet(running("lost"), Math::max));
    bed.startOperator(cloud -> lagging, Duration.ofSeconds(30));
    bed.createPool("lost", 3, "m8i.large");

    await().atMost(Duration.ofSeconds(20)).until(() -> running("lost") == 3);
    Thread.sleep(Duration.ofSeconds(40).minus(Duration.ofSeconds(5)).toMillis());
    assertThat(bed.ec2.calls("RunInstances"))
        .as("the operator kept repeating the launches it never heard back from")
        .isGreaterThan(3);
    assertThat(bed.machines("lost")).as("one machine per replica, no new decision").hasSize(3);
    bed.ec2.clearFaults();

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                bed.pool("lost").getStatus() != null
                    && bed.pool("lost").getStatus().readyReplicas == 3);
    assertThat(mostRunning.get()).as("instances running at any moment").isLessThanOrEqualTo(3);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "lost".equals(i.tags().get(Tags.POOL)))
        .as("every instance EC2 ever launched for the pool")
        .hasSize(3);
    assertThat(bed.machines("lost"))
        .allSatisfy(m -> assertThat(m.getStatus().instanceId).isNotNull())
        .extracting(m -> m.getStatus().instanceId)
        .doesNotHaveDuplicates();
  }

  private int running(String pool) {
    return (int)
        bed.ec2.instances().stream()
            .filter(i -> pool.equals(i.tags().get(Tags.POOL)))
            .filter(i -> i.state() == InstanceState.PENDING || i.state() == InstanceState.RUNNING)
            .count();
  }
}
