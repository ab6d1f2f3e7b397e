package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One of the pool's instances as EC2 last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstanceStatus {
  @JsonPropertyDescription("EC2 instance id.")
  public String id;

  @JsonPropertyDescription("Instance type.")
  public String instanceType;

  @JsonPropertyDescription("Availability zone.")
  public String zone;

  @JsonPropertyDescription("Subnet id.")
  public String subnetId;

  @JsonPropertyDescription("EC2 state: pending, running, shutting-down, stopping, stopped.")
  public String state;

  @JsonPropertyDescription(
      "Nested virtualization as EC2 reports it for this instance: enabled or disabled.")
  public String nestedVirtualization;

  @JsonPropertyDescription("on-demand or spot.")
  public String capacityType;

  @JsonPropertyDescription("When EC2 launched the instance (RFC 3339).")
  public String launchTime;

  @JsonPropertyDescription("Launching, Joining, Verifying, Ready, Draining, Terminating or Failed.")
  public String phase;

  @JsonPropertyDescription("Why the instance is in its phase.")
  public String reason;

  @JsonPropertyDescription("The instance's Node, once it has registered.")
  public String node;

  @JsonPropertyDescription("When the operator started draining the node (RFC 3339).")
  public String drainStartedAt;

  public InstanceStatus() {}
}
