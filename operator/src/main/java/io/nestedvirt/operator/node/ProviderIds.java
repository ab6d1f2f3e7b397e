package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.Node;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The AWS provider id of a Node, {@code aws:///<zone>/<instance-id>}. */
public final class ProviderIds {
  private static final Pattern AWS = Pattern.compile("^aws:///([a-z0-9-]+)/(i-[0-9a-f]+)$");

  private ProviderIds() {}

  public static String of(String zone, String instanceId) {
    return "aws:///" + zone + "/" + instanceId;
  }

  /** The instance id a Node's providerID names, if it is an AWS provider id. */
  public static Optional<String> instanceId(Node node) {
    if (node.getSpec() == null || node.getSpec().getProviderID() == null) {
      return Optional.empty();
    }
    Matcher m = AWS.matcher(node.getSpec().getProviderID());
    return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
  }
}
