package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.ClientTokenReusedException;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.InstanceNotFoundException;
import io.nestedvirt.operator.cloud.InstanceTypeNotOfferedException;
import io.nestedvirt.operator.cloud.InsufficientCapacityException;
import io.nestedvirt.operator.cloud.LaunchRefusedException;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import io.nestedvirt.operator.cloud.SpotRefusedException;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place where AWS SDK exceptions become the typed {@link CloudException}s of {@code
 * cloud/}. Everything that calls AWS in this package funnels its failures through {@link
 * #translate}, so no SDK exception leaves the package.
 */
final class Ec2Errors {

  /**
   * EC2's "no capacity for this offering now" family. All of them mean: try another type or zone,
   * or the same later. ({@code InsufficientCapacity} is what EC2 answers for some imports and
   * capacity blocks; it means the same to us.)
   */
  static final Set<String> CAPACITY_CODES =
      Set.of(
          "InsufficientInstanceCapacity",
          "InsufficientHostCapacity",
          "InsufficientReservedInstanceCapacity",
          "InsufficientCapacity");

  /**
   * Codes EC2 and SSM use for rate limiting. The SDK's {@code isThrottlingException()} knows most
   * of them, but an emulator may send them with a status the SDK does not classify.
   */
  static final Set<String> THROTTLING_CODES =
      Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequests");

  /**
   * How EC2 words {@code Unsupported} when the zone, not the type, is the problem: "Your requested
   * instance type (m8i.large) is not supported in your requested Availability Zone (us-east-1b).
   * Please retry your request by not specifying an Availability Zone or choosing us-east-1a, ...".
   */
  private static final String NOT_OFFERED_IN_ZONE =
      "not supported in your requested Availability Zone";

  /**
   * How a refusal names nested virtualization: the parameter ({@code NestedVirtualization}, {@code
   * CpuOptions.NestedVirtualization}) or the words.
   */
  private static final Pattern NESTED_VIRTUALIZATION =
      Pattern.compile("nested[ -]?virtuali[sz]ation", Pattern.CASE_INSENSITIVE);

  /** EC2 ids as they appear in error messages ({@code 'i-0abc'}, {@code [ami-0abc]}, ...). */
  private static final Pattern RESOURCE_ID =
      Pattern.compile("\\b(?:i|subnet|sg|ami|vpc|lt)-[0-9A-Za-z]+\\b");

  private Ec2Errors() {}

  /** What we were doing when the call failed; fields that do not apply are null. */
  record Context(
      String operation, String instanceType, String zone, String resourceId, boolean spot) {
    static Context of(String operation) {
      return new Context(operation, null, null, null, false);
    }

    static Context launch(String instanceType, String zone, boolean spot) {
      return new Context("RunInstances", instanceType, zone, null, spot);
    }

    static Context resource(String operation, String resourceId) {
      return new Context(operation, null, null, resourceId, false);
    }
  }

  static CloudException translate(SdkException e, Context context) {
    if (e instanceof AwsServiceException service) {
      return translateService(service, context);
    }
    String message = context.operation() + " failed: " + e.getMessage();
    if (e instanceof SdkClientException) {
      // Network, timeout, credentials refresh: nothing about the request itself was wrong.
      return new RetryableCloudException("ClientError", message, e);
    }
    return new CloudException("SdkError", message, e);
  }

  private static CloudException translateService(AwsServiceException e, Context context) {
    String code = code(e);
    String detail = detail(e);
    String type = context.instanceType();

    if (CAPACITY_CODES.contains(code)) {
      return new InsufficientCapacityException(
          type,
          context.zone(),
          "no capacity for %s in %s now (%s): try another instance type or zone"
              .formatted(
                  type, context.zone() == null ? "the requested zone" : context.zone(), code),
          e);
    }
    if (THROTTLING_CODES.contains(code) || e.isThrottlingException()) {
      return new ThrottledException(
          code, context.operation() + " throttled by AWS after the client's retries: " + detail, e);
    }
    if (notOfferedInZone(code, detail)) {
      String zone = context.zone() == null ? "the requested zone" : context.zone();
      return new InstanceTypeNotOfferedException(
          code,
          type,
          context.zone(),
          "%s is not offered in %s (%s: %s)".formatted(type, zone, code, detail),
          e);
    }
    if (context.spot() && spotRefusal(code, detail)) {
      return new SpotRefusedException(
          code,
          type,
          "EC2 refused nested virtualization on Spot for %s (%s: %s)".formatted(type, code, detail),
          e);
    }
    if (type != null && unsupportedCode(code) && detail.contains(type)) {
      return new UnsupportedInstanceTypeException(
          code,
          type,
          "%s cannot be launched as requested (%s: %s): pick a type that supports nested virtualization"
              .formatted(type, code, detail),
          e);
    }
    boolean launching = "RunInstances".equals(context.operation());
    if (launching && code.equals("IdempotentParameterMismatch")) {
      return new ClientTokenReusedException(
          code,
          "RunInstances: the client token launched before with other parameters: " + detail,
          e);
    }
    if (launching && e.statusCode() < 500 && refusalCode(code)) {
      return new LaunchRefusedException(
          code, "EC2 refused the launch (%s: %s)".formatted(code, detail), e);
    }
    if (code.startsWith("InvalidInstanceID.") && code.endsWith("NotFound")) {
      return new InstanceNotFoundException(code, context.operation() + ": " + detail, e);
    }
    if (notFoundCode(code)) {
      String id = context.resourceId() != null ? context.resourceId() : firstId(detail);
      return new ResourceNotFoundException(
          code, id, "%s does not exist (%s: %s)".formatted(id, code, detail), e);
    }
    String message = "%s failed: %s: %s".formatted(context.operation(), code, detail);
    return e.statusCode() >= 500
        ? new RetryableCloudException(code, message, e)
        : new CloudException(code, message, e);
  }

  /**
   * Codes by which EC2 refuses what a launch asks for: a parameter, an image, a subnet, a group, a
   * combination. Not auth or account limits ({@code UnauthorizedOperation}, {@code
   * InstanceLimitExceeded}), which the account's owner fixes without a new machine.
   */
  private static boolean refusalCode(String code) {
    return code.startsWith("Invalid")
        || code.startsWith("Unsupported")
        || code.equals("MissingParameter");
  }

  /**
   * EC2 does not document whether Spot accepts nested virtualization; a refusal of it would come as
   * {@code Unsupported} or {@code InvalidParameterCombination} naming the option.
   */
  private static boolean spotRefusal(String code, String detail) {
    return (code.equals("Unsupported") || code.equals("InvalidParameterCombination"))
        && NESTED_VIRTUALIZATION.matcher(detail).find();
  }

  private static boolean unsupportedCode(String code) {
    return code.startsWith("Unsupported")
        || code.equals("InvalidParameterCombination")
        || code.equals("InvalidInstanceType");
  }

  /**
   * {@code InvalidSubnetID.NotFound}, {@code InvalidGroup.NotFound}, {@code InvalidAMIID.NotFound}
   * and the {@code .Malformed} variants (a typo in the spec is, to the user, a missing resource);
   * {@code ParameterNotFound} is SSM's.
   */
  private static boolean notFoundCode(String code) {
    return (code.startsWith("Invalid")
            && (code.endsWith(".NotFound") || code.endsWith(".Malformed")))
        || code.equals("ParameterNotFound");
  }

  private static boolean notOfferedInZone(String code, String detail) {
    return code.equals("Unsupported") && detail.contains(NOT_OFFERED_IN_ZONE);
  }

  /** Whether the error is about the offering in the requested zone (its capacity, or none). */
  static boolean isAboutTheZone(SdkException e) {
    return e instanceof AwsServiceException service
        && (CAPACITY_CODES.contains(code(service))
            || notOfferedInZone(code(service), detail(service)));
  }

  static boolean isInstanceNotFound(SdkException e) {
    return e instanceof AwsServiceException service
        && code(service).startsWith("InvalidInstanceID.")
        && code(service).endsWith("NotFound");
  }

  /** Every EC2 id an error message names, in order (EC2 lists the missing ones there). */
  static List<String> idsIn(String message) {
    List<String> ids = new ArrayList<>();
    if (message == null) {
      return ids;
    }
    Matcher m = RESOURCE_ID.matcher(message);
    while (m.find()) {
      ids.add(m.group());
    }
    return ids;
  }

  static String code(AwsServiceException e) {
    var details = e.awsErrorDetails();
    return details == null || details.errorCode() == null ? "Unknown" : details.errorCode();
  }

  static String detail(AwsServiceException e) {
    var details = e.awsErrorDetails();
    return details == null || details.errorMessage() == null
        ? String.valueOf(e.getMessage())
        : details.errorMessage();
  }

  private static String firstId(String message) {
    List<String> ids = idsIn(message);
    return ids.isEmpty() ? null : ids.getFirst();
  }

  /** A failure worth retrying later as is: network trouble or a 5xx from AWS. */
  static final class RetryableCloudException extends CloudException {
    RetryableCloudException(String code, String message, Throwable cause) {
      super(code, message, cause);
    }

    @Override
    public boolean retryable() {
      return true;
    }
  }
}
