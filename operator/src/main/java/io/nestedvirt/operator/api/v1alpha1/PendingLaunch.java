package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A launch the operator decided on and recorded before calling EC2. Its client token makes the call
 * idempotent, so after a crash the operator repeats it instead of launching again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PendingLaunch {
  @JsonPropertyDescription("The RunInstances client token.")
  public String clientToken;

  @JsonPropertyDescription("Number of instances in this call.")
  public Integer count;

  @JsonPropertyDescription("Instance type of this call.")
  public String instanceType;

  @JsonPropertyDescription("Subnet of this call.")
  public String subnetId;

  @JsonPropertyDescription("When the launch was decided (RFC 3339).")
  public String decidedAt;

  public PendingLaunch() {}

  public PendingLaunch(
      String clientToken, int count, String instanceType, String subnetId, String decidedAt) {
    this.clientToken = clientToken;
    this.count = count;
    this.instanceType = instanceType;
    this.subnetId = subnetId;
    this.decidedAt = decidedAt;
  }
}
