package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did. Written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NestedVirtPoolStatus {
  @JsonPropertyDescription("The spec generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Instances that exist and are not shutting down.")
  @StatusReplicas
  public Integer replicas = 0;

  @JsonPropertyDescription("Instances that are running with nested virtualization enabled.")
  public Integer readyReplicas = 0;

  @JsonPropertyDescription("Label selector of the pool's nodes, for the scale subresource.")
  @LabelSelector
  public String selector;

  @JsonPropertyDescription(
      "Counter behind the launch client tokens; it only grows, so a token is never reused.")
  public Long launchSequence = 0L;

  @JsonPropertyDescription(
      "Launches decided but not yet confirmed by EC2; repeated with the same client token"
          + " until they are.")
  public List<PendingLaunch> pendingLaunches = new ArrayList<>();

  @JsonPropertyDescription("The pool's instances.")
  public List<InstanceStatus> instances = new ArrayList<>();

  @JsonPropertyDescription(
      "Ready, Reconciling and Stalled (kstatus), and InstanceTypesValid, LaunchConfigValid,"
          + " Scaled.")
  public List<Condition> conditions = new ArrayList<>();

  public NestedVirtPoolStatus() {}
}
