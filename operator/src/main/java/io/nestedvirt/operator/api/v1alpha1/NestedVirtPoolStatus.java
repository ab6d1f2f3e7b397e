package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the operator observed and did. Written by the operator only. The pool's machines are its
 * NestedVirtInstances ({@code kubectl get nvi -l nestedvirt.io/pool=NAME}); status holds their
 * counts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NestedVirtPoolStatus {
  @JsonPropertyDescription("The spec generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Machines that serve or will serve the pool: NestedVirtInstances not failed and not being"
          + " deleted.")
  @StatusReplicas
  public Integer replicas = 0;

  @JsonPropertyDescription(
      "How many machines the pool is to have: spec.replicas, or with autoscaling the operator's"
          + " decision from pending pods and idle nodes.")
  public Integer desiredReplicas;

  @JsonPropertyDescription("Machines whose node is verified and Ready.")
  public Integer readyReplicas = 0;

  @JsonPropertyDescription(
      "Machines that match the pool: launched with its current settings, instance types and"
          + " image, and not expired.")
  public Integer updatedReplicas;

  @JsonPropertyDescription(
      "The AMI the pool launches new nodes with: spec.image, or the EKS-optimized AMI for the"
          + " cluster's version, resolved (an SSM parameter is read again every"
          + " --image-refresh; a new AMI drifts the pool's nodes).")
  public String image;

  @JsonPropertyDescription(
      "Rolling replacement: how many machines drifted or expired, are being replaced, and were"
          + " replaced.")
  public RolloutStatus rollout;

  @JsonPropertyDescription("Label selector of the pool's nodes, for the scale subresource.")
  @LabelSelector
  public String selector;

  @JsonPropertyDescription(
      "The pool's NestedVirtInstances by phase: Launching, Joining, Verifying, Ready,"
          + " Draining, Terminating, Failed.")
  public Map<String, Integer> phaseCounts = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Ready, Reconciling and Stalled (kstatus), and SpecValid, InstanceTypesValid,"
          + " LaunchConfigValid, Scaled, NodesHealthy, NodesUpToDate, DemandServed.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "Deprecated, written by operator versions before NestedVirtInstance: the pool's instances."
          + " Read once to adopt them as NestedVirtInstances, then removed.")
  public List<InstanceStatus> instances;

  @JsonPropertyDescription(
      "Deprecated, written by operator versions before NestedVirtInstance: launches decided but"
          + " not confirmed. Read once when adopting, then removed.")
  public List<PendingLaunch> pendingLaunches;

  @JsonPropertyDescription(
      "Deprecated, written by operator versions before NestedVirtInstance. Removed on adoption.")
  public Long launchSequence;

  public NestedVirtPoolStatus() {}

  /** Whether this status was written by a version that kept instances here (see adoption). */
  public boolean hasLegacyFields() {
    return instances != null || pendingLaunches != null || launchSequence != null;
  }

  /** Drops what adoption has taken over. */
  public void clearLegacyFields() {
    instances = null;
    pendingLaunches = null;
    launchSequence = null;
  }
}
