package io.nestedvirt.sandbox.apiserver;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;

/**
 * Pools that break the NestedVirtPool CRD's OpenAPI or CEL rules, each with (part of) the message a
 * real API server refuses it with. One list for both API servers: CrdValidationE2E creates them on
 * a real kube-apiserver, CrdValidationTest on the sandbox's, so the two cannot drift apart.
 */
public final class CrdValidationCases {
  private CrdValidationCases() {}

  /** An invalid pool: its name in test reports, its spec as YAML, and what the refusal says. */
  public record Invalid(String name, String spec, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static final List<Invalid> INVALID_POOLS =
      List.of(
          new Invalid(
              "neither replicas nor autoscaling",
              "instanceTypes: [m8i.large]",
              "set spec.replicas (a fixed count) or spec.autoscaling (minReplicas and maxReplicas,"
                  + " the operator decides the count)"),
          new Invalid(
              "replicas and autoscaling",
              "replicas: 2\ninstanceTypes: [m8i.large]\nautoscaling: {maxReplicas: 5}",
              "spec.replicas must be absent when spec.autoscaling is set: the operator decides the"
                  + " count (see status.desiredReplicas); remove replicas, or remove autoscaling to"
                  + " fix the count"),
          new Invalid(
              "minReplicas above maxReplicas",
              "instanceTypes: [m8i.large]\nautoscaling: {minReplicas: 3, maxReplicas: 2}",
              "autoscaling.minReplicas must not be larger than autoscaling.maxReplicas"),
          new Invalid(
              "autoscaling without maxReplicas",
              "instanceTypes: [m8i.large]\nautoscaling: {minReplicas: 1}",
              "spec.autoscaling.maxReplicas: Required value"),
          new Invalid(
              "scaleDownAfter in words",
              "instanceTypes: [m8i.large]\nautoscaling: {maxReplicas: 2, scaleDownAfter: soon}",
              "spec.autoscaling.scaleDownAfter in body should match"),
          new Invalid(
              "repeated workload",
              "replicas: 1\ninstanceTypes: [m8i.large]\nworkloads: [kata, kata]",
              "workloads must not repeat an add-on"),
          new Invalid(
              "unknown workload",
              "replicas: 1\ninstanceTypes: [m8i.large]\nworkloads: [gpu]",
              "Unsupported value: \"gpu\""),
          new Invalid("instanceTypes missing", "replicas: 1", "spec.instanceTypes: Required value"),
          new Invalid(
              "negative replicas",
              "replicas: -1\ninstanceTypes: [m8i.large]",
              "spec.replicas in body should be greater than or equal to 0"),
          new Invalid(
              "too many replicas",
              "replicas: 1001\ninstanceTypes: [m8i.large]",
              "spec.replicas in body should be less than or equal to 1000"),
          new Invalid(
              "replicas not a number",
              "replicas: three\ninstanceTypes: [m8i.large]",
              "spec.replicas in body must be of type integer"),
          new Invalid(
              "empty type list",
              "replicas: 1\ninstanceTypes: []",
              "spec.instanceTypes in body should have at least 1 items"),
          new Invalid(
              "repeated type",
              "replicas: 1\ninstanceTypes: [m8i.large, m8i.large]",
              "instanceTypes must not repeat a type"),
          new Invalid(
              "bare metal type",
              "replicas: 1\ninstanceTypes: [m8i.metal-48xl]",
              "bare-metal types need no nested virtualization"),
          new Invalid(
              "malformed type",
              "replicas: 1\ninstanceTypes: [M8I_Large]",
              "spec.instanceTypes[0] in body should match"),
          new Invalid(
              "unknown capacity type",
              "replicas: 1\ninstanceTypes: [m8i.large]\ncapacityType: reserved",
              "Unsupported value: \"reserved\""),
          new Invalid(
              "image neither AMI nor parameter",
              "replicas: 1\ninstanceTypes: [m8i.large]\nimage: my-favourite-image",
              "spec.image in body should match"),
          new Invalid(
              "subnets by ids and tags",
              "replicas: 1\ninstanceTypes: [m8i.large]\n"
                  + "subnets: {ids: [subnet-0123456789abcdef0], tags: {tier: private}}",
              "give either ids or tags, not both"),
          new Invalid(
              "malformed subnet id",
              "replicas: 1\ninstanceTypes: [m8i.large]\nsubnets: {ids: [my-subnet]}",
              "spec.subnets.ids[0] in body should match"),
          new Invalid(
              "root volume too small",
              "replicas: 1\ninstanceTypes: [m8i.large]\nrootVolume: {sizeGiB: 8}",
              "spec.rootVolume.sizeGiB in body should be greater than or equal to 20"),
          new Invalid(
              "KMS key on an unencrypted volume",
              "replicas: 1\ninstanceTypes: [m8i.large]\n"
                  + "rootVolume: {encrypted: false, kmsKeyId: alias/nodes}",
              "kmsKeyId requires encrypted: true"),
          new Invalid(
              "unknown volume type",
              "replicas: 1\ninstanceTypes: [m8i.large]\nrootVolume: {type: st1}",
              "Unsupported value: \"st1\""),
          new Invalid(
              "hop limit zero",
              "replicas: 1\ninstanceTypes: [m8i.large]\nmetadataOptions: {httpPutResponseHopLimit: 0}",
              "spec.metadataOptions.httpPutResponseHopLimit in body should be greater than or equal"
                  + " to 1"),
          new Invalid(
              "unknown IMDS token mode",
              "replicas: 1\ninstanceTypes: [m8i.large]\nmetadataOptions: {httpTokens: sometimes}",
              "Unsupported value: \"sometimes\""),
          new Invalid(
              "three threads per core",
              "replicas: 1\ninstanceTypes: [m8i.large]\ncpuOptions: {threadsPerCore: 3}",
              "spec.cpuOptions.threadsPerCore in body should be less than or equal to 2"),
          new Invalid(
              "operator-owned tag key",
              "replicas: 1\ninstanceTypes: [m8i.large]\ntags: {nestedvirt.io/pool: other}",
              "tag keys under nestedvirt.io/, kubernetes.io/cluster/ and aws:, and Name, are set by"
                  + " the operator"),
          new Invalid(
              "Name tag",
              "replicas: 1\ninstanceTypes: [m8i.large]\ntags: {Name: mine}",
              "are set by the operator"),
          new Invalid(
              "user data over 16 KiB",
              "replicas: 1\ninstanceTypes: [m8i.large]\nuserData: " + "x".repeat(16385),
              "spec.userData: Too long: may not be more than 16384"),
          new Invalid(
              "startup taint in the node template",
              "replicas: 1\ninstanceTypes: [m8i.large]\n"
                  + "nodeTemplate: {taints: [{key: nestedvirt.io/unverified, effect: NoSchedule}]}",
              "the taint nestedvirt.io/unverified is the operator's startup taint"),
          new Invalid(
              "unknown taint effect",
              "replicas: 1\ninstanceTypes: [m8i.large]\n"
                  + "nodeTemplate: {taints: [{key: dedicated, effect: Sometimes}]}",
              "Unsupported value: \"Sometimes\""),
          new Invalid(
              "kubeadm mode without kubeadm settings",
              "replicas: 1\ninstanceTypes: [m8i.large]\nbootstrap: {mode: kubeadm}",
              "mode kubeadm needs bootstrap.kubeadm"),
          new Invalid(
              "join timeout in words",
              "replicas: 1\ninstanceTypes: [m8i.large]\njoinTimeout: fifteen minutes",
              "spec.joinTimeout in body should match"),
          new Invalid(
              "repair timeout in words",
              "replicas: 1\ninstanceTypes: [m8i.large]\nrepair: {notReadyTimeout: a while}",
              "spec.repair.notReadyTimeout in body should match"),
          new Invalid(
              "no surge and no unavailability",
              "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {maxSurge: 0, maxUnavailable: 0}",
              "disruption.maxSurge and disruption.maxUnavailable are both 0: nothing could be"
                  + " replaced; set maxSurge (extra nodes while rolling) or maxUnavailable (nodes that"
                  + " may be missing) to 1 or more"),
          new Invalid(
              "window schedule without duration",
              "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {schedule: \"0 2 * * *\"}",
              "disruption.schedule and disruption.duration go together: the window opens when the"
                  + " schedule fires and stays open for duration"),
          new Invalid(
              "window duration without schedule",
              "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {duration: 4h}",
              "disruption.schedule and disruption.duration go together"),
          new Invalid(
              "window schedule in words",
              "replicas: 1\ninstanceTypes: [m8i.large]\n"
                  + "disruption: {schedule: every day, duration: 4h}",
              "spec.disruption.schedule in body should match"),
          new Invalid(
              "negative surge",
              "replicas: 1\ninstanceTypes: [m8i.large]\ndisruption: {maxSurge: -1, maxUnavailable: 1}",
              "spec.disruption.maxSurge in body should be greater than or equal to 0"));

  /** The pool {@code name} with {@code spec} (YAML, unindented) as its spec. */
  public static GenericKubernetesResource pool(String name, String spec) {
    String yaml =
        "apiVersion: nestedvirt.io/v1alpha1\nkind: NestedVirtPool\nmetadata:\n  name: "
            + name
            + "\nspec:\n"
            + spec.lines().map(l -> "  " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }
}
