package io.nestedvirt.sandbox.ec2;

import java.util.Map;

/** A security group of a VPC. */
public record EmulatedSecurityGroup(
    String id, String name, String description, String vpcId, Map<String, String> tags) {
  public EmulatedSecurityGroup {
    tags = Map.copyOf(tags);
  }

  EmulatedSecurityGroup withTags(Map<String, String> newTags) {
    return new EmulatedSecurityGroup(id, name, description, vpcId, newTags);
  }
}
