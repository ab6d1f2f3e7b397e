package io.nestedvirt.sandbox.ec2;

import java.time.Instant;
import java.util.Map;

/** An AMI. {@code ownerAlias} is {@code amazon} for public AWS images such as the EKS AMIs. */
public record EmulatedImage(
    String id,
    String name,
    String architecture,
    String ownerId,
    String ownerAlias,
    Instant creationDate,
    Map<String, String> tags) {
  public EmulatedImage {
    tags = Map.copyOf(tags);
  }

  /** Every image the emulator creates has an EBS root device here, 20 GiB gp3 by default. */
  static final String ROOT_DEVICE = "/dev/xvda";

  EmulatedImage withTags(Map<String, String> newTags) {
    return new EmulatedImage(id, name, architecture, ownerId, ownerAlias, creationDate, newTags);
  }
}
