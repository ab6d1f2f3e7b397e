package io.nestedvirt.operator.cloud;

/**
 * A launch's client token was used before with other parameters (EC2's {@code
 * IdempotentParameterMismatch}): the earlier call launched, so the instance is found by the token
 * rather than launched again.
 */
public class ClientTokenReusedException extends CloudException {
  public ClientTokenReusedException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
