package io.nestedvirt.sandbox.ec2;

import java.util.Map;

/** A subnet: its zone decides where instances launched into it live. */
public record EmulatedSubnet(
    String id, String vpcId, String zone, String cidrBlock, Map<String, String> tags) {
  public EmulatedSubnet {
    tags = Map.copyOf(tags);
  }

  EmulatedSubnet withTags(Map<String, String> newTags) {
    return new EmulatedSubnet(id, vpcId, zone, cidrBlock, newTags);
  }
}
