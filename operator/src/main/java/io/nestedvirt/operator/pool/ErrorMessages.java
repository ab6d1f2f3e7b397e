package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.OperatorException;

/** An exception as a status message names it: its type and message, and its cause's. */
final class ErrorMessages {
  private static final int MAX_LENGTH = 400;

  private ErrorMessages() {}

  static String of(Throwable thrown) {
    Throwable e = thrown;
    // JOSDK wraps what the reconciler threw; the wrapper adds nothing a user needs.
    while (e instanceof OperatorException && e.getCause() != null) {
      e = e.getCause();
    }
    StringBuilder text = new StringBuilder(describe(e));
    Throwable cause = e.getCause();
    if (cause != null
        && cause != e
        && cause.getMessage() != null
        && (e.getMessage() == null || !e.getMessage().contains(cause.getMessage()))) {
      text.append(" (caused by ").append(describe(cause)).append(')');
    }
    return text.length() <= MAX_LENGTH ? text.toString() : text.substring(0, MAX_LENGTH) + "...";
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
  }
}
