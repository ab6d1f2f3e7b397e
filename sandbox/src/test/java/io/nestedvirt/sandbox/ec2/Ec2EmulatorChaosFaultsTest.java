package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

/** The faults the chaos tier injects: a lagging listing, lost answers, blanket throttling. */
class Ec2EmulatorChaosFaultsTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T10:00:00Z"));
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client noRetries;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().clock(clock).tickInterval(Duration.ZERO).start();
    cluster = emulator.seedCluster("demo");
    noRetries = SdkClients.ec2(emulator, null);
  }

  @AfterEach
  void stop() {
    noRetries.close();
    emulator.close();
  }

  private RunInstancesRequest launch(String token) {
    return RunInstancesRequest.builder()
        .imageId(cluster.imageId())
        .instanceType("c8i.large")
        .minCount(1)
        .maxCount(1)
        .subnetId(cluster.subnetIds().getFirst())
        .clientToken(token)
        .build();
  }

  private List<String> listed() {
    return noRetries.describeInstances().reservations().stream()
        .flatMap(r -> r.instances().stream())
        .map(i -> i.instanceId())
        .toList();
  }

  @Test
  void aLaunchStaysOutOfTheListingForTheLagWhileItsTokenAnswersAtOnce() {
    emulator.listingLag(Duration.ofSeconds(5));

    String id = noRetries.runInstances(launch("t-1")).instances().getFirst().instanceId();

    assertThat(listed()).as("not listed right after the launch").isEmpty();
    assertThat(
            noRetries
                .describeInstances(
                    r -> r.filters(Filter.builder().name("client-token").values("t-1").build()))
                .reservations())
        .as("nor found by a filter")
        .isEmpty();
    Ec2Exception byId =
        catchThrowableOfType(
            Ec2Exception.class, () -> noRetries.describeInstances(r -> r.instanceIds(id)));
    assertThat(byId.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound");
    assertThat(noRetries.runInstances(launch("t-1")).instances().getFirst().instanceId())
        .as("a repeat with the same token answers with the launch at once")
        .isEqualTo(id);
    assertThat(emulator.instances()).as("EC2 holds it all along").hasSize(1);

    clock.advance(Duration.ofMillis(4999));
    assertThat(listed()).isEmpty();
    clock.advance(Duration.ofMillis(1));
    assertThat(listed()).containsExactly(id);
    assertThat(noRetries.describeInstances(r -> r.instanceIds(id)).reservations()).hasSize(1);
  }

  @Test
  void withoutALagALaunchIsListedAtOnce() {
    String id = noRetries.runInstances(launch("t-2")).instances().getFirst().instanceId();

    assertThat(listed()).containsExactly(id);
  }

  @Test
  void lostAnswersLaunchAllTheSameAndTheShareFollowsTheSeed() {
    emulator.loseResponses("RunInstances", 0.5, 42);
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Throwable error = catchThrowable(() -> noRetries.runInstances(launch(null)));
      outcomes.add(
          switch (error) {
            case null -> "answered";
            case Ec2Exception e when e.statusCode() == 500 -> "500";
            case SdkClientException e -> "dropped";
            default -> throw new AssertionError("unexpected failure", error);
          });
    }

    assertThat(emulator.instances()).as("every call launched").hasSize(40);
    assertThat(outcomes).contains("answered", "500", "dropped");
    assertThat(outcomes.stream().filter("answered"::equals).count()).isBetween(10L, 30L);

    emulator.loseResponses("RunInstances", 0.5, 42);
    List<String> again = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      again.add(catchThrowable(() -> noRetries.runInstances(launch(null))) == null ? "a" : "x");
    }
    assertThat(again)
        .as("the same seed loses the same calls")
        .isEqualTo(outcomes.stream().map(o -> o.equals("answered") ? "a" : "x").toList());

    emulator.loseResponses("RunInstances", 0, 0);
    noRetries.runInstances(launch(null));
  }

  @Test
  void everyLostAnswerInABrownoutStillLaunchesOnceUnderItsToken() {
    emulator.loseResponses("RunInstances", 1.0, 7);

    for (int i = 0; i < 3; i++) {
      assertThat(catchThrowable(() -> noRetries.runInstances(launch("t-3")))).isNotNull();
    }

    assertThat(emulator.instances()).hasSize(1);
  }

  @Test
  void throttlingByPredicateRefusesEveryMatchingCallUntilStopped() {
    emulator.throttle(action -> action.startsWith("Describe"));

    for (int i = 0; i < 3; i++) {
      Ec2Exception error =
          catchThrowableOfType(Ec2Exception.class, () -> noRetries.describeSubnets());
      assertThat(error.isThrottlingException()).isTrue();
    }
    assertThat(catchThrowable(() -> noRetries.runInstances(launch("t-4"))))
        .as("other actions pass")
        .isNull();

    emulator.stopThrottling();
    assertThat(noRetries.describeSubnets().subnets()).hasSize(3);
  }
}
