package io.nestedvirt.operator.cloud;

/** Lifecycle states of an instance, as EC2 names them. */
public enum InstanceState {
  PENDING,
  RUNNING,
  SHUTTING_DOWN,
  TERMINATED,
  STOPPING,
  STOPPED;

  /** Still counts toward a pool's size: not shutting down or gone. */
  public boolean isActive() {
    return this == PENDING || this == RUNNING || this == STOPPING || this == STOPPED;
  }

  /** The lower-case, hyphenated name EC2 uses on the wire (for example {@code shutting-down}). */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  public static InstanceState fromWireName(String name) {
    return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }
}
