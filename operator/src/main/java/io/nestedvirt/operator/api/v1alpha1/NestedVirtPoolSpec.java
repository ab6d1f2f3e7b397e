package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Map;

/**
 * What the pool should be. {@code instanceTypes} is required, and either {@code replicas} (a fixed
 * count) or {@code autoscaling} (the operator decides the count), never both.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.replicas) || has(self.autoscaling)",
    message =
        "set spec.replicas (a fixed count) or spec.autoscaling (minReplicas and maxReplicas, the"
            + " operator decides the count)")
@ValidationRule(
    value = "!(has(self.replicas) && has(self.autoscaling))",
    message =
        "spec.replicas must be absent when spec.autoscaling is set: the operator decides the"
            + " count (see status.desiredReplicas); remove replicas, or remove autoscaling to"
            + " fix the count")
public class NestedVirtPoolSpec {

  @JsonPropertyDescription(
      "How many instances the pool keeps, unless autoscaling is set (then it must be absent)."
          + " Scale with kubectl scale nvp/NAME --replicas=N.")
  @Min(0)
  @Max(1000)
  @SpecReplicas
  public Integer replicas;

  @JsonPropertyDescription(
      "Let pending pods that would fit a new node of the pool grow it, and idle nodes go,"
          + " between minReplicas and maxReplicas. Without it the pool keeps replicas.")
  public AutoscalingSpec autoscaling;

  @JsonPropertyDescription(
      "The add-ons that will run on the pool's nodes (kubevirt, kata), whose labels and"
          + " resources pending pods may select before a node exists. Default: both.")
  @Default("[\"kubevirt\",\"kata\"]")
  @Size(max = 2)
  @ValidationRule(
      value = "self.all(w, self.exists_one(v, v == w))",
      message = "workloads must not repeat an add-on")
  public List<Workload> workloads = List.of(Workload.KUBEVIRT, Workload.KATA);

  @JsonPropertyDescription(
      "EC2 instance types in order of preference, for example [m8i.2xlarge, c8i.2xlarge]. Each"
          + " must support nested virtualization on a virtual instance (today the Intel C8i,"
          + " M8i and R8i families); the operator checks this with DescribeInstanceTypes and"
          + " falls back to the next type when one has no capacity or is not offered in a"
          + " zone.")
  @Required
  @Size(min = 1, max = 20)
  @ValidationRule(
      value = "self.all(t, self.exists_one(u, u == t))",
      message = "instanceTypes must not repeat a type")
  @ValidationRule(
      value = "self.all(t, !t.contains('.metal'))",
      message =
          "bare-metal types need no nested virtualization; use a virtual size such as"
              + " m8i.2xlarge")
  // maxLength bounds the cost of the CEL rules, which the API server estimates before it
  // accepts the CRD.
  public List<@Size(max = 64) @Pattern("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9-]+$") String>
      instanceTypes;

  @JsonPropertyDescription(
      "on-demand, spot, or spot-then-on-demand. Whether EC2 accepts nested virtualization on"
          + " Spot is not documented: when it refuses a type on Spot, the SpotAccepted condition"
          + " says so, and spot-then-on-demand launches that type on-demand for an hour.")
  @Default("on-demand")
  public PoolCapacityType capacityType = PoolCapacityType.ON_DEMAND;

  @JsonPropertyDescription(
      "The AMI: an id (ami-...), or an SSM parameter name (/... or resolve:ssm:/...) that holds"
          + " one. Default: the EKS-optimized Amazon Linux 2023 AMI for the cluster's Kubernetes"
          + " version.")
  @Pattern("^(ami-[0-9a-f]{8,17}|(resolve:ssm:)?/[A-Za-z0-9_.\\-/]+)$")
  public String image;

  @JsonPropertyDescription(
      "Subnets to launch into, by ids or by tags; instances are spread across their zones."
          + " Default: the subnets tagged kubernetes.io/cluster/<cluster>.")
  public ResourceSelectorSpec subnets;

  @JsonPropertyDescription(
      "Security groups for the instances, by ids or by tags. Default: the groups tagged"
          + " kubernetes.io/cluster/<cluster>.")
  public ResourceSelectorSpec securityGroups;

  @JsonPropertyDescription(
      "IAM instance profile (name or ARN) whose role lets the node join the cluster.")
  @Pattern(
      "^(arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/[A-Za-z0-9+=,.@_/-]+|[A-Za-z0-9+=,.@_-]{1,128})$")
  public String instanceProfile;

  @JsonPropertyDescription("The root EBS volume: size, type and encryption (on by default).")
  public RootVolumeSpec rootVolume;

  @JsonPropertyDescription(
      "Instance metadata service settings. Default: IMDSv2 required with hop limit 1, so"
          + " guests inside the node cannot reach its credentials.")
  public MetadataOptionsSpec metadataOptions;

  @JsonPropertyDescription(
      "CPU core count and threads per core. Nested virtualization is always enabled.")
  public CpuOptionsSpec cpuOptions;

  @JsonPropertyDescription(
      "User data passed to the instance as is (not base64-encoded here), at most 16 KiB.")
  @Size(max = 16384)
  public String userData;

  @JsonPropertyDescription(
      "Extra tags for the instances and their volumes. Keys under nestedvirt.io/,"
          + " kubernetes.io/cluster/ and aws:, and Name, are the operator's.")
  @Size(max = 40)
  @ValidationRule(
      value =
          "self.all(k, !k.startsWith('nestedvirt.io/') && !k.startsWith('kubernetes.io/cluster/')"
              + " && !k.startsWith('aws:') && k != 'Name')",
      message =
          "tag keys under nestedvirt.io/, kubernetes.io/cluster/ and aws:, and Name, are set"
              + " by the operator")
  public Map<String, @Size(max = 256) String> tags;

  @JsonPropertyDescription("Labels and taints for the pool's nodes.")
  public NodeTemplateSpec nodeTemplate;

  @JsonPropertyDescription("How instances join the cluster. Default: eks.")
  public BootstrapSpec bootstrap;

  @JsonPropertyDescription(
      "How long an instance may take to register as a Node before it is replaced, like 15m.")
  @Default("15m")
  @Pattern(DURATION)
  public String joinTimeout = "15m";

  /** The drain timeout of a pool that sets none, for a node without VMs to migrate. */
  public static final String DEFAULT_DRAIN_TIMEOUT = "10m";

  @JsonPropertyDescription(
      "How long a node being removed may take to drain before the pool reports it stuck (or,"
          + " with forceDrain, deletes its pods), like 10m. Unset: 10m, or for a node with"
          + " KubeVirt VMs to migrate, the longer of 10m and KubeVirt's completionTimeoutPerGiB"
          + " per GiB of VM memory per wave of parallelOutboundMigrationsPerNode migrations,"
          + " plus its progressTimeout.")
  @Pattern(DURATION)
  public String drainTimeout;

  @JsonPropertyDescription(
      "After drainTimeout, delete the remaining pods even where a PodDisruptionBudget forbids"
          + " it. Off by default: a stuck drain is reported, not forced.")
  @Default("false")
  public Boolean forceDrain = false;

  @JsonPropertyDescription(
      "How long a verified node whose NestedVirtualizationReady condition turns False keeps"
          + " running (tainted) before it is replaced, like 5m.")
  @Default("5m")
  @Pattern(DURATION)
  public String verificationGracePeriod = "5m";

  @JsonPropertyDescription(
      "Automatic replacement of verified nodes that stop serving; on by default (see"
          + " enabled and notReadyTimeout).")
  @Default("{}")
  public RepairSpec repair;

  @JsonPropertyDescription(
      "How nodes that no longer match the pool (drifted) or are too old (expireAfter) are"
          + " replaced: a successor first (maxSurge), at most maxUnavailable missing, optionally"
          + " only in a window (schedule, duration). A node or pod annotated"
          + " nestedvirt.io/do-not-disrupt=true is not replaced until the annotation goes.")
  @Default("{}")
  public DisruptionSpec disruption;

  /** Go-style durations as kubectl users write them: 90s, 15m, 1h30m. */
  static final String DURATION = "^([0-9]+(ms|s|m|h))+$";

  public NestedVirtPoolSpec() {}

  /** Whether the operator decides the count. */
  public boolean autoscaled() {
    return autoscaling != null;
  }

  /** The add-ons that will run on the pool's nodes: both unless the spec names them. */
  public List<Workload> workloadsOrDefault() {
    return workloads == null ? List.of(Workload.KUBEVIRT, Workload.KATA) : workloads;
  }
}
