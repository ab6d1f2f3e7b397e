package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reconcile that fails is retried with back-off for as long as it fails, and the pool's status
 * says what failed and when the next attempt is; it never waits for an event that is not coming.
 */
class ErrorsNeverParkAPoolTest {
  /** Every Describe call the operator makes. */
  private static final List<String> DESCRIBE_CALLS =
      List.of(
          "DescribeInstances",
          "DescribeInstanceTypes",
          "DescribeInstanceTypeOfferings",
          "DescribeSubnets",
          "DescribeSecurityGroups",
          "DescribeImages");

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aPoolCreatedWhileEveryDescribeIsThrottledShowsTheErrorAndLaunchesWhenItEnds() {
    bed.startOperator();
    DESCRIBE_CALLS.forEach(action -> bed.ec2.throttle(action, Integer.MAX_VALUE));

    bed.createPool("late", 1, "m8i.large");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(bed.condition("late", "Reconciling"))
                    .as("while throttled the pool says what fails and when it tries again")
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.status).isEqualTo("True");
                          assertThat(c.reason).isEqualTo("RetryingAfterError");
                          assertThat(c.message)
                              .contains("in step checkTypes")
                              .contains("ThrottledException: DescribeInstanceTypes throttled")
                              .containsPattern("next in \\d+s \\(at \\d{4}-");
                        }));
    // Held for several attempts: each is counted in the message, the pool keeps being retried.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.condition("late", "Reconciling")
                    .map(c -> c.message)
                    .filter(m -> m.contains("times in a row"))
                    .isPresent());
    assertThat(bed.liveInstances("late")).isEmpty();

    bed.ec2.clearFaults();

    bed.awaitReady("late", 1);
    Condition reconciling = bed.condition("late", "Reconciling").orElseThrow();
    assertThat(reconciling.status).isEqualTo("False");
  }

  @Test
  void whenEc2AnswersAgainAFailingPoolIsRetriedAtOnceNotAtItsNextBackOff() {
    bed.startOperator();
    DESCRIBE_CALLS.forEach(action -> bed.ec2.throttle(action, Integer.MAX_VALUE));
    bed.createPool("outage", 1, "m8i.large");

    // Failing long enough that the next retry is at least 16 s away.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                bed.condition("outage", "Reconciling")
                    .map(c -> c.message)
                    .map(m -> m.replaceAll("(?s).*next in (\\d+)s.*", "$1"))
                    .filter(n -> n.matches("\\d+") && Integer.parseInt(n) >= 16)
                    .isPresent());
    assertThat(bed.ec2.calls("RunInstances")).isZero();

    bed.ec2.clearFaults();

    // The next listing (every refresh period) succeeds and wakes the pool: it launches well
    // before its retry timer (16 s or more) would have fired.
    await().atMost(Duration.ofSeconds(10)).until(() -> bed.ec2.calls("RunInstances") >= 1);
    bed.awaitReady("outage", 1);
  }

  @Test
  void launchesThatKeepFailingBackOffPerPoolInsteadOfOnePerRefresh() throws Exception {
    bed.startOperator();
    bed.ec2.failWith(
        "RunInstances",
        Integer.MAX_VALUE,
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.");
    bed.createPool("refused", 1, "m8i.large");
    await().atMost(Duration.ofSeconds(30)).until(() -> bed.ec2.calls("RunInstances") >= 1);

    // 20 minutes of the operator's time in steps of 20 s, each long enough (in real time) for
    // several reconciles of the machine: a launch every refresh would be at least one per step.
    int steps = 60;
    for (int i = 0; i < steps; i++) {
      bed.clock.advance(Duration.ofSeconds(20));
      Thread.sleep(400);
    }

    // Back-off 1 s, 2 s, 4 s, ... 256 s, then 5 min: 12 attempts fit in 20 minutes, plus one
    // for each of the three zones tried first (a fallback to an untried zone does not wait).
    assertThat(bed.ec2.calls("RunInstances"))
        .as("RunInstances calls over 20 minutes of failing launches")
        .isBetween(6, 15);
    assertThat(bed.condition("refused", "Scaled"))
        .hasValueSatisfying(
            c -> {
              assertThat(c.reason).isEqualTo("LaunchBackoff");
              assertThat(c.message)
                  .contains("in a row failed")
                  .contains("UnauthorizedOperation")
                  .contains("not before");
            });
  }
}
