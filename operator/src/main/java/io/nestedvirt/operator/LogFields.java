package io.nestedvirt.operator;

/**
 * Keys the operator puts in the logging MDC, so that every line about a pool or an instance can be
 * found by it (in JSON logs they are fields of the line's {@code mdc} object).
 */
public final class LogFields {
  private LogFields() {}

  /** The pool a reconcile works on; set for the whole reconcile. */
  public static final String POOL = "pool";

  /** The EC2 instance a decision is about. */
  public static final String INSTANCE = "instance";

  /** The NestedVirtInstance a reconcile works on; set for the whole reconcile. */
  public static final String MACHINE = "machine";
}
