package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.InstanceNotFoundException;
import io.nestedvirt.operator.cloud.InstanceTypeNotOfferedException;
import io.nestedvirt.operator.cloud.InsufficientCapacityException;
import io.nestedvirt.operator.cloud.LaunchRefusedException;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException;
import io.nestedvirt.operator.cloud.aws.Ec2Errors.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

class AwsErrorTranslationTest {

  private static final Context LAUNCH = Context.launch("c8i.large", "us-east-1a", false);

  static Ec2Exception ec2(int status, String code, String message) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode(code)
                    .errorMessage(message)
                    .serviceName("EC2")
                    .build())
            .build();
  }

  private static CloudException translate(SdkException e, Context context) {
    return Ec2Errors.translate(e, context);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "InsufficientInstanceCapacity",
        "InsufficientHostCapacity",
        "InsufficientReservedInstanceCapacity",
        "InsufficientCapacity"
      })
  void capacityCodesBecomeInsufficientCapacityForTheTypeAndZone(String code) {
    CloudException error =
        translate(ec2(500, code, "We currently do not have sufficient capacity"), LAUNCH);

    assertThat(error).isInstanceOf(InsufficientCapacityException.class);
    var capacity = (InsufficientCapacityException) error;
    assertThat(capacity.instanceType()).isEqualTo("c8i.large");
    assertThat(capacity.zone()).isEqualTo("us-east-1a");
    assertThat(capacity.retryable()).isTrue();
    assertThat(capacity.getMessage()).contains("c8i.large", "us-east-1a");
    assertThat(capacity.getCause()).isInstanceOf(Ec2Exception.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"RequestLimitExceeded", "Throttling", "ThrottlingException"})
  void throttlingCodesBecomeThrottled(String code) {
    CloudException error =
        translate(ec2(503, code, "Request limit exceeded."), Context.of("DescribeInstances"));

    assertThat(error).isInstanceOf(ThrottledException.class);
    assertThat(error.code()).isEqualTo(code);
    assertThat(error.retryable()).isTrue();
  }

  @Test
  void status429WithAnUnknownCodeIsThrottlingToo() {
    assertThat(translate(ec2(429, "SlowDown", "slow down"), Context.of("DescribeInstances")))
        .isInstanceOf(ThrottledException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Unsupported",
        "UnsupportedOperation",
        "InvalidParameterCombination",
        "InvalidInstanceType"
      })
  void launchErrorsThatNameTheTypeBecomeUnsupportedInstanceType(String code) {
    CloudException error =
        translate(
            ec2(400, code, "Nested virtualization is not supported for instance type 'c8i.large'."),
            LAUNCH);

    assertThat(error).isInstanceOf(UnsupportedInstanceTypeException.class);
    assertThat(((UnsupportedInstanceTypeException) error).instanceType()).isEqualTo("c8i.large");
    assertThat(error.code()).isEqualTo(code);
    assertThat(error.retryable()).isFalse();
  }

  @Test
  void aZoneThatDoesNotOfferTheTypeIsNotOfferedNotUnsupported() {
    CloudException error =
        translate(
            ec2(
                400,
                "Unsupported",
                "Your requested instance type (m8i.large) is not supported in your requested"
                    + " Availability Zone (us-east-1b). Please retry your request by not specifying"
                    + " an Availability Zone or choosing us-east-1a, us-east-1c."),
            Context.launch("m8i.large", "us-east-1b", false));

    assertThat(error)
        .as("the type is fine elsewhere: not the type's fault, not the spec's")
        .isInstanceOf(InstanceTypeNotOfferedException.class)
        .isNotInstanceOf(UnsupportedInstanceTypeException.class)
        .isNotInstanceOf(LaunchRefusedException.class);
    var notOffered = (InstanceTypeNotOfferedException) error;
    assertThat(notOffered.instanceType()).isEqualTo("m8i.large");
    assertThat(notOffered.zone()).isEqualTo("us-east-1b");
    assertThat(error.getMessage()).startsWith("m8i.large is not offered in us-east-1b");
    assertThat(error.retryable()).isFalse();
  }

  @Test
  void anUnsupportedErrorAboutSomethingElseStaysGeneric() {
    CloudException error =
        translate(
            ec2(400, "InvalidParameterCombination", "Network interfaces and subnet conflict"),
            LAUNCH);

    assertThat(error)
        .as("only an error that names the instance type blames the type")
        .isNotInstanceOf(UnsupportedInstanceTypeException.class);
    assertThat(error.code()).isEqualTo("InvalidParameterCombination");
  }

  @Test
  void unknownInstanceIdsBecomeInstanceNotFound() {
    CloudException error =
        translate(
            ec2(400, "InvalidInstanceID.NotFound", "The instance ID 'i-0abc' does not exist"),
            Context.of("TerminateInstances"));

    assertThat(error).isInstanceOf(InstanceNotFoundException.class);
    assertThat(error.code()).isEqualTo("InvalidInstanceID.NotFound");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "InvalidSubnetID.NotFound|The subnet ID 'subnet-0f00' does not exist|subnet-0f00",
        "InvalidGroup.NotFound|The security group 'sg-0f00' does not exist|sg-0f00",
        "InvalidAMIID.NotFound|The image id '[ami-0f00]' does not exist|ami-0f00",
        "InvalidAMIID.Malformed|Invalid id: \"ami-xyz\" (expecting \"ami-...\")|ami-xyz"
      })
  void missingResourcesBecomeResourceNotFoundNamingTheId(String row) {
    String[] parts = row.split("\\|");
    CloudException error = translate(ec2(400, parts[0], parts[1]), Context.of("Describe"));

    assertThat(error).isInstanceOf(ResourceNotFoundException.class);
    assertThat(((ResourceNotFoundException) error).resourceId()).isEqualTo(parts[2]);
    assertThat(error.code()).isEqualTo(parts[0]);
    assertThat(error.getMessage()).contains(parts[2]);
  }

  @Test
  void missingSsmParameterBecomesResourceNotFoundNamingTheParameter() {
    var ssm =
        ParameterNotFoundException.builder()
            .statusCode(400)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode("ParameterNotFound").serviceName("SSM").build())
            .build();

    CloudException error = translate(ssm, Context.resource("GetParameter", "/my/ami"));

    assertThat(error).isInstanceOf(ResourceNotFoundException.class);
    assertThat(((ResourceNotFoundException) error).resourceId()).isEqualTo("/my/ami");
  }

  @Test
  void otherServiceErrorsKeepCodeAndMessageAndAreNotRetryable() {
    CloudException error =
        translate(
            ec2(403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
            LAUNCH);

    assertThat(error.getClass()).isEqualTo(CloudException.class);
    assertThat(error.code()).isEqualTo("UnauthorizedOperation");
    assertThat(error.getMessage())
        .contains("RunInstances", "You are not authorized to perform this operation.");
    assertThat(error.retryable()).isFalse();
  }

  @Test
  void serverErrorsAreRetryable() {
    CloudException error =
        translate(ec2(503, "Unavailable", "The service is unavailable."), LAUNCH);

    assertThat(error.code()).isEqualTo("Unavailable");
    assertThat(error.retryable()).isTrue();
  }

  @Test
  void networkFailuresAreRetryableCloudExceptions() {
    CloudException error =
        translate(
            SdkClientException.create("Unable to execute HTTP request: Connection refused"),
            Context.of("DescribeInstances"));

    assertThat(error.retryable()).isTrue();
    assertThat(error.getMessage()).contains("DescribeInstances", "Connection refused");
  }

  @Test
  void findsEveryIdAnErrorMessageNames() {
    assertThat(
            Ec2Errors.idsIn(
                "The instance IDs 'i-0aaa1111, i-0bbb2222' do not exist (see also ami-1)"))
        .containsExactly("i-0aaa1111", "i-0bbb2222", "ami-1");
    assertThat(Ec2Errors.idsIn(null)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Unsupported", "InvalidParameterCombination"})
  void aSpotLaunchRefusedForNestedVirtualizationIsASpotRefusalOfTheType(String code) {
    CloudException error =
        translate(
            ec2(
                400,
                code,
                "The parameter NestedVirtualization is not supported for Spot Instances of"
                    + " c8i.large."),
            Context.launch("c8i.large", "us-east-1a", true));

    assertThat(error).isInstanceOf(io.nestedvirt.operator.cloud.SpotRefusedException.class);
    assertThat(((io.nestedvirt.operator.cloud.SpotRefusedException) error).instanceType())
        .isEqualTo("c8i.large");
    assertThat(error.getMessage())
        .startsWith("EC2 refused nested virtualization on Spot for c8i.large (" + code + ": ");
  }

  @Test
  void theSameRefusalOfAnOnDemandLaunchIsNoSpotRefusal() {
    CloudException error =
        translate(
            ec2(
                400,
                "Unsupported",
                "The parameter NestedVirtualization is not supported for c8i.large."),
            LAUNCH);

    assertThat(error).isNotInstanceOf(io.nestedvirt.operator.cloud.SpotRefusedException.class);
    assertThat(error)
        .isInstanceOf(io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException.class);
  }

  @Test
  void aSpotRefusalThatDoesNotNameNestedVirtualizationIsAnOrdinaryRefusal() {
    CloudException error =
        translate(
            ec2(400, "InvalidParameterCombination", "Spot is not available for this AMI."),
            Context.launch("c8i.large", "us-east-1a", true));

    assertThat(error).isNotInstanceOf(io.nestedvirt.operator.cloud.SpotRefusedException.class);
  }
}
