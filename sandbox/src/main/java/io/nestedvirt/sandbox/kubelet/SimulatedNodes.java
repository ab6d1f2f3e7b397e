package io.nestedvirt.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeDaemonEndpointsBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The Node objects and status fields a kubelet (with the AWS cloud controller's labels) writes for
 * an EC2 instance. Pure: no clients, the time is passed in.
 */
final class SimulatedNodes {
  private SimulatedNodes() {}

  static final String CONDITION_NESTED_VIRTUALIZATION_READY = "NestedVirtualizationReady";
  static final String CONDITION_READY = "Ready";

  /** Labels virt-handler and kata-deploy set on a node where they run. */
  static final Map<String, String> ADD_ON_LABELS =
      Map.of("kubevirt.io/schedulable", "true", "katacontainers.io/kata-runtime", "true");

  /**
   * The Node as the kubelet creates it: name, the labels it derives itself plus {@code
   * --node-labels} (which win, as in the kubelet), providerID and the {@code
   * --register-with-taints} taints. No status: that goes through {@code nodes/status}.
   */
  static Node registration(
      SimulatedInstance instance, RegistrationParser.Registration registration) {
    SortedMap<String, String> labels = new TreeMap<>(kubeletLabels(instance));
    labels.putAll(registration.labels());
    return new NodeBuilder()
        .withNewMetadata()
        .withName(instance.nodeName())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withProviderID(instance.providerId())
        .withTaints(registration.taints())
        .endSpec()
        .build();
  }

  /** The well-known labels the kubelet and the AWS cloud controller set on every EC2 node. */
  static SortedMap<String, String> kubeletLabels(SimulatedInstance instance) {
    SortedMap<String, String> labels = new TreeMap<>();
    labels.put("kubernetes.io/hostname", instance.nodeName());
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", kubernetesArch(instance.architecture()));
    putIfPresent(labels, "node.kubernetes.io/instance-type", instance.instanceType());
    putIfPresent(labels, "topology.kubernetes.io/zone", instance.zone());
    putIfPresent(labels, "topology.kubernetes.io/region", instance.region());
    return labels;
  }

  /** EC2's architecture name as Go (and so {@code kubernetes.io/arch}) spells it. */
  static String kubernetesArch(String ec2Architecture) {
    if (ec2Architecture == null) {
      return "amd64";
    }
    return switch (ec2Architecture) {
      case "x86_64", "x86_64_mac" -> "amd64";
      case "arm64", "arm64_mac" -> "arm64";
      case "i386" -> "386";
      default -> ec2Architecture;
    };
  }

  /**
   * Sets the status fields the kubelet owns besides conditions: addresses, nodeInfo, capacity,
   * allocatable and the kubelet endpoint.
   */
  static void setKubeletStatusFields(
      NodeStatus status,
      SimulatedInstance instance,
      InstanceTypeShape shape,
      String kubeletVersion,
      String bootId) {
    List<NodeAddress> addresses = new ArrayList<>();
    if (instance.privateIp() != null && !instance.privateIp().isBlank()) {
      addresses.add(new NodeAddress(instance.privateIp(), "InternalIP"));
    }
    addresses.add(new NodeAddress(instance.nodeName(), "InternalDNS"));
    addresses.add(new NodeAddress(instance.nodeName(), "Hostname"));
    status.setAddresses(addresses);
    status.setNodeInfo(nodeInfo(instance, kubeletVersion, bootId));
    EksNodeResources resources = EksNodeResources.of(shape);
    status.setCapacity(new LinkedHashMap<>(resources.capacity()));
    status.setAllocatable(new LinkedHashMap<>(resources.allocatable()));
    status.setDaemonEndpoints(
        new NodeDaemonEndpointsBuilder()
            .withNewKubeletEndpoint()
            .withPort(10250)
            .endKubeletEndpoint()
            .build());
  }

  private static NodeSystemInfo nodeInfo(
      SimulatedInstance instance, String kubeletVersion, String bootId) {
    String arch = kubernetesArch(instance.architecture());
    UUID machine = UUID.nameUUIDFromBytes(instance.id().getBytes(StandardCharsets.UTF_8));
    return new NodeSystemInfoBuilder()
        .withMachineID(machine.toString().replace("-", ""))
        // EC2 system UUIDs start with "ec2".
        .withSystemUUID("ec2" + machine.toString().substring(3))
        .withBootID(bootId)
        .withKernelVersion("6.12.0")
        .withOsImage("Amazon Linux 2023 (simulated by the nestedvirt sandbox kubelet)")
        .withContainerRuntimeVersion("containerd://2.1.0")
        .withKubeletVersion(kubeletVersion)
        .withKubeProxyVersion("")
        .withOperatingSystem("linux")
        .withArchitecture(arch)
        .build();
  }

  /** The conditions a healthy kubelet posts: Ready and no pressure. */
  static List<NodeCondition> kubeletConditions(Instant now) {
    return List.of(
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            now),
        condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            now),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            now),
        condition(
            CONDITION_READY,
            "True",
            "KubeletReady",
            "kubelet is posting ready status (simulated by the sandbox kubelet)",
            now));
  }

  /**
   * Ready as the node lifecycle controller writes it for a node whose kubelet stopped posting
   * status (after its grace period, 40 s by default).
   */
  static NodeCondition unreachable(Instant now) {
    return condition(
        CONDITION_READY,
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
        now);
  }

  static NodeCondition verification(Verdict verdict, Instant now) {
    return condition(
        CONDITION_NESTED_VIRTUALIZATION_READY,
        verdict.status(),
        verdict.reason().name(),
        verdict.message(),
        now);
  }

  private static NodeCondition condition(
      String type, String status, String reason, String message, Instant now) {
    String time = time(now);
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastHeartbeatTime(time)
        .withLastTransitionTime(time)
        .build();
  }

  /**
   * {@code existing} with each of {@code updates} in place of the condition of its type (appended
   * when absent). Conditions of other types are kept as they are; an update that keeps the status
   * keeps the old {@code lastTransitionTime}.
   */
  static List<NodeCondition> merge(List<NodeCondition> existing, List<NodeCondition> updates) {
    List<NodeCondition> merged = new ArrayList<>(existing == null ? List.of() : existing);
    for (NodeCondition update : updates) {
      int at = indexOf(merged, update.getType());
      if (at < 0) {
        merged.add(update);
        continue;
      }
      NodeCondition old = merged.get(at);
      NodeCondition replacement = new NodeConditionBuilder(update).build();
      if (Objects.equals(old.getStatus(), update.getStatus())
          && old.getLastTransitionTime() != null) {
        replacement.setLastTransitionTime(old.getLastTransitionTime());
      }
      merged.set(at, replacement);
    }
    return merged;
  }

  static NodeCondition find(List<NodeCondition> conditions, String type) {
    int at = indexOf(conditions == null ? List.of() : conditions, type);
    return at < 0 ? null : conditions.get(at);
  }

  private static int indexOf(List<NodeCondition> conditions, String type) {
    for (int i = 0; i < conditions.size(); i++) {
      if (type.equals(conditions.get(i).getType())) {
        return i;
      }
    }
    return -1;
  }

  /** RFC 3339 in seconds, as the API server stores condition times. */
  static String time(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  private static void putIfPresent(Map<String, String> labels, String key, String value) {
    if (value != null && !value.isBlank()) {
      labels.put(key, value);
    }
  }
}
