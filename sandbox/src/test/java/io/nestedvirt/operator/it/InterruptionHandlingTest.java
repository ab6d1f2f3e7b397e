package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.PoolCapacityType;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * EC2's warnings, end to end in process: the emulator sends them to its SQS queue (or lists a
 * scheduled event in DescribeInstanceStatus) as EventBridge and EC2 would, and the operator drains
 * and replaces the named machine, deletes the message, and changes nothing on a duplicate.
 */
class InterruptionHandlingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  private void startWithQueue() {
    bed.startOperator(
        Function.identity(), s -> s.withInterruptionQueue(Ec2Emulator.INTERRUPTION_QUEUE));
  }

  @Test
  void aSpotWarningDrainsTheMachineAtOnceTheSuccessorLaunchesAndTheMessageIsDeleted() {
    startWithQueue();
    bed.createPool("spot", 2, spec -> spec.capacityType = PoolCapacityType.SPOT, "m8i.large");
    bed.awaitReady("spot", 2);
    NestedVirtInstance victim = bed.machines("spot").getFirst();
    String instance = victim.getStatus().instanceId;

    bed.ec2.warnSpotInterruption(instance);

    await().atMost(WAIT).until(() -> bed.machine(victim.name()) == null);
    bed.awaitReady("spot", 2);
    assertThat(bed.readyInstances("spot")).doesNotContain(instance).hasSize(2);
    assertThat(bed.eventsWithMachines("spot"))
        .filteredOn(e -> e.getInvolvedObject().getName().equals(victim.name()))
        .extracting(Event::getReason)
        .contains("SpotInterruption", "Terminating");
    // The warning, and the state changes of the operator's own termination, all handled.
    await()
        .atMost(WAIT)
        .until(() -> bed.ec2.queuedMessages(Ec2Emulator.INTERRUPTION_QUEUE).isEmpty());
  }

  @Test
  void aDuplicateWarningChangesNothingAndAWarningForAnotherInstanceIsDeleted() {
    startWithQueue();
    bed.createPool("dup", 1, spec -> spec.capacityType = PoolCapacityType.SPOT, "m8i.large");
    bed.awaitReady("dup", 1);
    NestedVirtInstance machine = bed.machines("dup").getFirst();
    String instance = machine.getStatus().instanceId;
    bed.ec2.recommendRebalance(instance);
    await()
        .atMost(WAIT)
        .until(
            () ->
                bed.machine(machine.name()).interruption().map(InterruptionNotice::kind).isPresent()
                    && bed.ec2.queuedMessages(Ec2Emulator.INTERRUPTION_QUEUE).isEmpty());
    String version = bed.machine(machine.name()).getMetadata().getResourceVersion();
    String rebalance = body(instance);

    try (SqsClient sqs = sqs()) {
      String url = sqs.getQueueUrl(b -> b.queueName(Ec2Emulator.INTERRUPTION_QUEUE)).queueUrl();
      sqs.sendMessage(b -> b.queueUrl(url).messageBody(rebalance));
      sqs.sendMessage(
          b -> b.queueUrl(url).messageBody(rebalance.replace(instance, "i-0fffffffffffffff0")));
    }

    await()
        .atMost(WAIT)
        .until(() -> bed.ec2.queuedMessages(Ec2Emulator.INTERRUPTION_QUEUE).isEmpty());
    NestedVirtInstance after = bed.machine(machine.name());
    assertThat(after.getMetadata().getResourceVersion())
        .as("the duplicate wrote nothing")
        .isEqualTo(version);
    assertThat(after.isDeleting()).as("a recommendation only warns").isFalse();
    assertThat(bed.machines("dup")).hasSize(1);
    assertThat(bed.metrics.scrape())
        .contains(
            "nestedvirt_interruption_notices_total{kind=\"RebalanceRecommendation\",outcome=\"ALREADY_NOTED\"} 1.0")
        .contains(
            "nestedvirt_interruption_notices_total{kind=\"RebalanceRecommendation\",outcome=\"NOT_OURS\"} 1.0");
  }

  @Test
  void aScheduledRetirementIsReplacedAheadOfItEvenWhileTheDisruptionWindowIsClosed() {
    startWithQueue();
    bed.createPool(
        "retire",
        2,
        spec -> {
          spec.disruption = new DisruptionSpec();
          // 04:00 on 1 January, for an hour: closed whenever these tests run.
          spec.disruption.schedule = "0 4 1 1 *";
          spec.disruption.duration = "1h";
        },
        "m8i.large");
    bed.awaitReady("retire", 2);
    NestedVirtInstance retiring = bed.machines("retire").getFirst();
    String instance = retiring.getStatus().instanceId;

    bed.ec2.scheduleRetirement(instance, bed.ec2.now().plus(Duration.ofDays(3)));

    await().atMost(WAIT).until(() -> bed.machine(retiring.name()) == null);
    bed.awaitReady("retire", 2);
    assertThat(bed.readyInstances("retire")).doesNotContain(instance);
    assertThat(bed.eventsWithMachines("retire"))
        .extracting(Event::getReason)
        .contains("ScheduledChange", "Replacing");
  }

  @Test
  void withoutAQueueAScheduledEventFromDescribeInstanceStatusIsReplacedToo() {
    bed.startOperator();
    bed.createPool("polled", 1, "m8i.large");
    bed.awaitReady("polled", 1);
    NestedVirtInstance retiring = bed.machines("polled").getFirst();

    bed.ec2.scheduleRetirement(
        retiring.getStatus().instanceId, bed.ec2.now().plus(Duration.ofDays(3)));

    await().atMost(WAIT).until(() -> bed.machine(retiring.name()) == null);
    bed.awaitReady("polled", 1);
    assertThat(bed.ec2.queuedMessages(Ec2Emulator.INTERRUPTION_QUEUE))
        .as("no queue reader: the retirement came from DescribeInstanceStatus")
        .isNotEmpty();
  }

  @Test
  void whenEc2RefusesNestedVirtualizationOnSpotTheSuccessorLaunchesOnDemand() {
    bed.startOperator();
    bed.ec2.failWith(
        "RunInstances",
        1,
        400,
        "Unsupported",
        "The parameter NestedVirtualization is not supported for Spot Instances.");

    bed.createPool(
        "fallback",
        1,
        spec -> spec.capacityType = PoolCapacityType.SPOT_THEN_ON_DEMAND,
        "m8i.large");

    bed.awaitReady("fallback", 1);
    assertThat(bed.machines("fallback", "Ready"))
        .singleElement()
        .satisfies(m -> assertThat(m.getSpec().capacityType).isEqualTo(CapacityType.ON_DEMAND));
    assertThat(bed.condition("fallback", "SpotAccepted"))
        .hasValueSatisfying(
            c -> {
              assertThat(c.status).isEqualTo("False");
              assertThat(c.reason).isEqualTo("SpotRefused");
              assertThat(c.message).contains("m8i.large launch on-demand until");
            });
    Set<String> reasons =
        bed.eventsWithMachines("fallback").stream()
            .map(Event::getReason)
            .collect(Collectors.toSet());
    assertThat(reasons).contains("SpotFallback");
  }

  private static String body(String instanceId) {
    return io.nestedvirt.operator.interruption.Messages.rebalance(instanceId);
  }

  private SqsClient sqs() {
    return SqsClient.builder()
        .endpointOverride(URI.create(bed.ec2.endpoint().toString()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(Apache5HttpClient.builder())
        .build();
  }
}
