package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** One machine as EC2 and the API server report it. Written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NestedVirtInstanceStatus {
  @JsonPropertyDescription("The EC2 instance id, once EC2 has launched it.")
  public String instanceId;

  @JsonPropertyDescription("The providerID its Node must carry: aws:///<zone>/<instance-id>.")
  public String providerID;

  @JsonPropertyDescription(
      "The Node bound to this machine. Pinned once bound: another Node that claims the same"
          + " instance later is never trusted.")
  public String nodeName;

  @JsonPropertyDescription(
      "EC2 state: pending, running, shutting-down, terminated, stopping, stopped.")
  public String state;

  @JsonPropertyDescription(
      "Nested virtualization as EC2 reports it for the instance: enabled, disabled or"
          + " unreported.")
  public String nestedVirtualization;

  @JsonPropertyDescription("When EC2 launched the instance (RFC 3339).")
  public String launchTime;

  @JsonPropertyDescription("AMI the instance was launched with")
  public String imageId;

  @JsonPropertyDescription(
      "Pods evicted (or, forced, deleted) from the node since its drain began. A scale-down whose"
          + " drain has evicted none is taken back when the pool needs the machine again.")
  public Integer evictedPods;

  @JsonPropertyDescription(
      "Launching, Joining, Verifying, Ready, Draining, Terminating or Failed; derived from the"
          + " conditions.")
  public String phase;

  @JsonPropertyDescription(
      "Launched, Registered, Verified, Ready (derived from the others), and Draining,"
          + " Drained and VolumesDetached while the machine leaves.")
  public List<Condition> conditions = new ArrayList<>();

  public NestedVirtInstanceStatus() {}
}
