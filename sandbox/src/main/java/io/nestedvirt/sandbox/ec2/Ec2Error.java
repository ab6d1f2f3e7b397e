package io.nestedvirt.sandbox.ec2;

/**
 * An error the emulator answers with, carrying the AWS error code and the HTTP status real EC2 uses
 * for it (400 for client errors; 500 or 503 for server errors, which SDKs retry).
 */
final class Ec2Error extends RuntimeException {
  private final String code;
  private final int status;

  Ec2Error(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static Ec2Error client(String code, String message) {
    return new Ec2Error(400, code, message);
  }

  static Ec2Error invalidParameterValue(String message) {
    return client("InvalidParameterValue", message);
  }

  static Ec2Error missingParameter(String name) {
    return client("MissingParameter", "The request must contain the parameter " + name);
  }

  String code() {
    return code;
  }

  int status() {
    return status;
  }
}
