package io.nestedvirt.sandbox.ec2;

/**
 * An SQS error as the JSON protocol sends it: the shape name in {@code __type} (which the SDK maps
 * to its exception class, e.g. {@code QueueDoesNotExist} to {@code QueueDoesNotExistException}) and
 * the legacy query error code in the {@code x-amzn-query-error} header (what {@code errorCode()}
 * reports, e.g. {@code AWS.SimpleQueueService.NonExistentQueue}).
 */
final class SqsError extends RuntimeException {
  private final int status;
  private final String shape;
  private final String queryCode;

  SqsError(int status, String shape, String queryCode, String message) {
    super(message, null, false, false);
    this.status = status;
    this.shape = shape;
    this.queryCode = queryCode;
  }

  static SqsError queueDoesNotExist() {
    return new SqsError(
        400,
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.");
  }

  static SqsError missingParameter(String name) {
    return new SqsError(
        400,
        "MissingParameter",
        "MissingParameter",
        "The request must contain the parameter " + name + ".");
  }

  static SqsError invalidParameterValue(String message) {
    return new SqsError(400, "InvalidParameterValue", "InvalidParameterValue", message);
  }

  static SqsError receiptHandleIsInvalid(String handle) {
    return new SqsError(
        400,
        "ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  }

  int status() {
    return status;
  }

  /** {@code com.amazonaws.sqs#<shape>}, the JSON {@code __type}. */
  String type() {
    return "com.amazonaws.sqs#" + shape;
  }

  /** {@code <code>;Sender} or {@code <code>;Receiver}, the {@code x-amzn-query-error} header. */
  String queryError() {
    return queryCode + (status >= 500 ? ";Receiver" : ";Sender");
  }
}
