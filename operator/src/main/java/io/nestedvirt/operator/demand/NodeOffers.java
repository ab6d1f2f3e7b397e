package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.Workload;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.launch.NodeTemplates;
import io.nestedvirt.operator.node.bootstrap.KubeletLabels;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What new nodes of a pool would offer: the node as it will be once verified and running its
 * add-ons, since that is the node pending pods wait for.
 *
 * <ul>
 *   <li>Labels: the pool's template labels, the operator's pool labels and {@code
 *       nestedvirt.io/kvm=verified}; the well-known ones the kubelet and the cloud provider set
 *       (arch amd64, os linux, instance type, zone; not the region or hostname, which are not known
 *       here); and the add-ons' labels per {@code spec.workloads}.
 *   <li>Taints: the template's only. The startup taint {@code nestedvirt.io/unverified} goes before
 *       workloads can arrive.
 *   <li>Allocatable: {@link NodeCapacity} less {@link KubeletReservations} less the requests of the
 *       DaemonSet pods that will run there (those whose node selection and tolerations admit the
 *       node, each while it still fits).
 * </ul>
 */
public final class NodeOffers {
  private NodeOffers() {}

  /** Every pool node is x86_64: nested virtualization on EC2 needs an Intel virtual instance. */
  private static final String ARCH = "amd64";

  private static final String OS = "linux";

  /**
   * One offer per (type, zone), types in the pool's order then zones in the given order; types
   * missing from {@code types} (not described by EC2) are skipped.
   */
  public static List<NodeOffer> of(
      NestedVirtPool pool,
      List<InstanceType> types,
      List<String> zones,
      Collection<DaemonSet> daemonSets) {
    NestedVirtPoolSpec spec = pool.getSpec();
    Map<String, InstanceType> byName =
        types.stream()
            .collect(Collectors.toMap(InstanceType::name, Function.identity(), (a, b) -> a));
    List<Taint> taints = NodeTemplates.taints(spec);
    List<PodSpec> daemonPods =
        daemonSets.stream()
            .sorted(
                Comparator.comparing(
                        (DaemonSet d) -> d.getMetadata().getNamespace(),
                        Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                    .thenComparing(
                        d -> d.getMetadata().getName(),
                        Comparator.nullsFirst(Comparator.<String>naturalOrder())))
            .map(NodeOffers::podSpec)
            .filter(p -> p != null)
            .toList();
    List<NodeOffer> offers = new ArrayList<>();
    for (String typeName : spec.instanceTypes == null ? List.<String>of() : spec.instanceTypes) {
      InstanceType type = byName.get(typeName);
      if (type == null) {
        continue;
      }
      Resources allocatable =
          NodeCapacity.of(type, spec.workloadsOrDefault())
              .minus(KubeletReservations.reserved(type));
      for (String zone : zones) {
        Map<String, String> labels = labels(pool.getMetadata().getName(), spec, type, zone);
        String node = type.name() + " in " + zone;
        Resources free = allocatable;
        for (PodSpec daemon : daemonPods) {
          Resources requests = PodFit.planned(PodRequests.of(daemon));
          if (PodFit.placeable(daemon, labels, taints, node) && requests.fitsIn(free)) {
            free = free.minus(requests);
          }
        }
        offers.add(new NodeOffer(type.name(), zone, labels, taints, free));
      }
    }
    return List.copyOf(offers);
  }

  /** The labels a verified node of the pool in this zone carries once its add-ons run. */
  static Map<String, String> labels(
      String poolName, NestedVirtPoolSpec spec, InstanceType type, String zone) {
    Map<String, String> labels = new TreeMap<>(NodeTemplates.labels(spec));
    labels.put(NodeLabels.POOL, poolName);
    labels.put(NodeLabels.RESTRICTED_POOL, poolName);
    labels.put(NodeLabels.KVM, NodeLabels.KVM_VERIFIED);
    labels.put(KubeletLabels.ARCH, ARCH);
    labels.put(KubeletLabels.ARCH_BETA, ARCH);
    labels.put(KubeletLabels.OS, OS);
    labels.put(KubeletLabels.OS_BETA, OS);
    labels.put(KubeletLabels.INSTANCE_TYPE, type.name());
    labels.put(KubeletLabels.INSTANCE_TYPE_BETA, type.name());
    labels.put(KubeletLabels.ZONE, zone);
    labels.put(KubeletLabels.ZONE_BETA, zone);
    for (Workload workload : spec.workloadsOrDefault()) {
      labels.putAll(AddOns.labels(workload));
    }
    return labels;
  }

  private static PodSpec podSpec(DaemonSet daemonSet) {
    if (daemonSet.getSpec() == null || daemonSet.getSpec().getTemplate() == null) {
      return null;
    }
    return daemonSet.getSpec().getTemplate().getSpec();
  }
}
