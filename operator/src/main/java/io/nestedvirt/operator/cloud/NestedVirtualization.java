package io.nestedvirt.operator.cloud;

/**
 * Nested virtualization as the provider reports it for one instance. EC2 reports enabled or
 * disabled; an EC2-compatible endpoint that does not know the option reports nothing, which is kept
 * apart so that the operator never mistakes silence for either answer.
 */
public enum NestedVirtualization {
  ENABLED,
  DISABLED,
  UNREPORTED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static NestedVirtualization fromWireName(String name) {
    return name == null ? UNREPORTED : valueOf(name.toUpperCase(java.util.Locale.ROOT));
  }
}
