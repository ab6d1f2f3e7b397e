package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.nestedvirt.operator.api.v1alpha1.AutoscalingSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.NodeTemplateSpec;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import io.nestedvirt.operator.api.v1alpha1.Workload;
import io.nestedvirt.operator.cloud.InstanceType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders for the demand tests: EC2's real figures for the types, small pods and pools. */
final class Demand {
  private Demand() {}

  static final String ZONE_A = "us-east-1a";
  static final String ZONE_B = "us-east-1b";

  // DescribeInstanceTypes' figures (vCPUs, MiB, ENIs, IPv4 per ENI).
  static final InstanceType C8I_LARGE = type("c8i.large", 2, 4096, 3, 20);
  static final InstanceType C8I_XLARGE = type("c8i.xlarge", 4, 8192, 4, 30);
  static final InstanceType M8I_2XLARGE = type("m8i.2xlarge", 8, 32768, 4, 30);
  static final InstanceType M5_LARGE = type("m5.large", 2, 8192, 3, 10);

  static InstanceType type(String name, int vcpus, long mib, int enis, int ips) {
    return new InstanceType(name, List.of("x86_64"), true, false, vcpus, mib, enis, ips);
  }

  static NestedVirtPool pool(String name, String... types) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.instanceTypes = List.of(types);
    spec.autoscaling = new AutoscalingSpec();
    spec.autoscaling.maxReplicas = 10;
    pool.setSpec(spec);
    return pool;
  }

  static NestedVirtPool withWorkloads(NestedVirtPool pool, Workload... workloads) {
    pool.getSpec().workloads = List.of(workloads);
    return pool;
  }

  static NestedVirtPool withTemplate(
      NestedVirtPool pool, Map<String, String> labels, TaintSpec... taints) {
    pool.getSpec().nodeTemplate = new NodeTemplateSpec();
    pool.getSpec().nodeTemplate.labels = labels;
    pool.getSpec().nodeTemplate.taints = List.of(taints);
    return pool;
  }

  /** One offer per (type, zone) of the pool, with no DaemonSets. */
  static List<NodeOffer> offers(NestedVirtPool pool, List<String> zones) {
    return NodeOffers.of(
        pool, List.of(C8I_LARGE, C8I_XLARGE, M8I_2XLARGE, M5_LARGE), zones, List.of());
  }

  static NodeOffer offer(NestedVirtPool pool, String zone) {
    return offers(pool, List.of(zone)).getFirst();
  }

  /** A pod in namespace default with one container requesting these (name, quantity) pairs. */
  static PodBuilder pod(String name, String... requests) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("default")
        .endMetadata()
        .withNewSpec()
        .withContainers(container("app", requests))
        .endSpec();
  }

  static Pod cpuPod(String name, String cpu) {
    return pod(name, "cpu", cpu, "memory", "256Mi").build();
  }

  static Container container(String name, String... requests) {
    return new ContainerBuilder()
        .withName(name)
        .withImage("example.com/" + name)
        .withNewResources()
        .withRequests(quantities(requests))
        .endResources()
        .build();
  }

  static Map<String, Quantity> quantities(String... pairs) {
    Map<String, Quantity> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      map.put(pairs[i], new Quantity(pairs[i + 1]));
    }
    return map;
  }

  static Resources resources(Object... pairs) {
    Map<String, Long> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      map.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
    }
    return new Resources(map);
  }

  static long mi(long mebibytes) {
    return Resources.mebibytes(mebibytes);
  }

  /** A DaemonSet whose pod requests these (name, quantity) pairs. */
  static DaemonSetBuilder daemonSet(String name, String... requests) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("kube-system")
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .withContainers(container(name, requests))
        .endSpec()
        .endTemplate()
        .endSpec();
  }

  static List<DaemonSet> daemonSets(DaemonSet... sets) {
    return Arrays.asList(sets);
  }
}
