package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

class Ec2EmulatorFaultsTest {
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client noRetries;
  private Ec2Client standardRetries;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().tickInterval(Duration.ZERO).start();
    cluster = emulator.seedCluster("demo");
    noRetries = SdkClients.ec2(emulator, null);
    standardRetries = SdkClients.ec2(emulator);
  }

  @AfterEach
  void stop() {
    noRetries.close();
    standardRetries.close();
    emulator.close();
  }

  private RunInstancesRequest launchIn(int subnet) {
    return RunInstancesRequest.builder()
        .imageId(cluster.imageId())
        .instanceType("c8i.large")
        .minCount(1)
        .maxCount(1)
        .subnetId(cluster.subnetIds().get(subnet))
        .build();
  }

  @Test
  void throttlingIsRequestLimitExceededWith503AndTheSdkClassifiesItAsThrottling() {
    emulator.throttle("DescribeInstances", 1);

    Ec2Exception error = catchThrowableOfType(Ec2Exception.class, noRetries::describeInstances);

    assertThat(error.isThrottlingException()).isTrue();
    assertThat(error.statusCode()).isEqualTo(503);
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded");
    assertThat(error.requestId()).isNotBlank();
    assertThat(noRetries.describeInstances().reservations()).as("the fault is used up").isEmpty();
  }

  @Test
  void standardRetriesAbsorbThrottlingAndTheCallCountShowsTheRetries() {
    emulator.throttle("DescribeInstances", 2);

    standardRetries.describeInstances();

    assertThat(emulator.calls("DescribeInstances")).isEqualTo(3);
  }

  @Test
  void internalErrorIs500AndRetriedByTheSdk() {
    emulator.failWithInternalError("RunInstances", 1);

    Ec2Exception error =
        catchThrowableOfType(Ec2Exception.class, () -> noRetries.runInstances(launchIn(0)));
    assertThat(error.statusCode()).isEqualTo(500);
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("InternalError");
    assertThat(error.isThrottlingException()).isFalse();
    assertThat(emulator.instances()).isEmpty();

    emulator.failWithInternalError("RunInstances", 1);
    standardRetries.runInstances(launchIn(0));
    assertThat(emulator.instances()).hasSize(1);
    assertThat(emulator.calls("RunInstances")).isEqualTo(3);
  }

  @Test
  void sdkSendsAClientTokenOnItsOwnSoARetryAfterALostResponseLaunchesOnce() {
    emulator.failWithInternalErrorAfterApplying("RunInstances", 1);

    String id = standardRetries.runInstances(launchIn(0)).instances().getFirst().instanceId();

    assertThat(emulator.calls("RunInstances")).isEqualTo(2);
    assertThat(emulator.instances()).extracting(EmulatedInstance::id).containsExactly(id);
    assertThat(emulator.instances().getFirst().clientToken())
        .as("the SDK generates an idempotency token when the caller sets none")
        .isNotBlank();
  }

  @Test
  void unavailableIs503() {
    emulator.failWithUnavailable("DescribeSubnets", 1);

    Ec2Exception error = catchThrowableOfType(Ec2Exception.class, noRetries::describeSubnets);

    assertThat(error.statusCode()).isEqualTo(503);
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("Unavailable");
  }

  @Test
  void capacityFaultInOneZoneFailsLaunchesThereUntilCleared() {
    emulator.insufficientCapacity("c8i.large", "us-east-1b");

    Ec2Exception error =
        catchThrowableOfType(Ec2Exception.class, () -> noRetries.runInstances(launchIn(1)));
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("InsufficientInstanceCapacity");
    assertThat(error.statusCode()).isEqualTo(500);
    assertThat(error.awsErrorDetails().errorMessage())
        .startsWith(
            "We currently do not have sufficient c8i.large capacity in the Availability Zone you"
                + " requested (us-east-1b).")
        .contains("us-east-1a, us-east-1c");
    assertThat(
            catchThrowableOfType(Ec2Exception.class, () -> noRetries.runInstances(launchIn(1)))
                .awsErrorDetails()
                .errorCode())
        .as("an open-ended fault persists")
        .isEqualTo("InsufficientInstanceCapacity");

    noRetries.runInstances(launchIn(0));
    assertThat(emulator.instances())
        .extracting(EmulatedInstance::zone)
        .containsExactly("us-east-1a");

    emulator.clearCapacityFaults();
    noRetries.runInstances(launchIn(1));
    assertThat(emulator.instances()).hasSize(2);
  }

  @Test
  void capacityErrorsAreServerErrorsSoSdkRetriesConsumeCountedFaults() {
    emulator.insufficientCapacity("c8i.large", null, 1);

    standardRetries.runInstances(launchIn(2));

    assertThat(emulator.calls("RunInstances")).isEqualTo(2);
    assertThat(emulator.instances()).hasSize(1);
  }

  @Test
  void callsAreCountedPerActionAndCanBeReset() {
    noRetries.describeInstances();
    noRetries.describeInstances();
    noRetries.describeSubnets();
    catchThrowableOfType(
        Ec2Exception.class,
        () -> noRetries.describeImages(r -> r.imageIds("ami-0123456789abcdef0")));

    assertThat(emulator.calls("DescribeInstances")).isEqualTo(2);
    assertThat(emulator.callCounts())
        .containsEntry("DescribeInstances", 2)
        .containsEntry("DescribeSubnets", 1)
        .containsEntry("DescribeImages", 1);

    emulator.resetCalls();
    assertThat(emulator.callCounts()).isEmpty();
    assertThat(emulator.calls("DescribeInstances")).isZero();
  }
}
