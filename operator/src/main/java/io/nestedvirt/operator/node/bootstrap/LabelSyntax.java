package io.nestedvirt.operator.node.bootstrap;

import java.util.regex.Pattern;

/**
 * Kubernetes' syntax for label keys and values (also used by taints). Checking it here keeps
 * anything that could break out of a flag list, a YAML scalar or a shell here-document (commas,
 * quotes, newlines) from ever reaching the rendered user data.
 */
final class LabelSyntax {
  private LabelSyntax() {}

  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final String NAME_RULE =
      "at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric";

  /** Null when {@code key} is a valid qualified name ({@code [prefix/]name}), else why not. */
  static String keyProblem(String key) {
    if (key == null || key.isEmpty()) {
      return "the key is empty";
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        return "the prefix before '/' must be a DNS subdomain (lower case, at most 253 characters)";
      }
    }
    if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
      return "the name must be " + NAME_RULE;
    }
    return null;
  }

  /** Null when {@code value} is a valid label value (the empty string is), else why not. */
  static String valueProblem(String value) {
    if (value == null) {
      return "the value is missing (use \"\" for an empty value)";
    }
    if (value.isEmpty()) {
      return null;
    }
    if (value.length() > 63 || !NAME.matcher(value).matches()) {
      return "the value must be empty or " + NAME_RULE;
    }
    return null;
  }
}
