package io.nestedvirt.operator.node.bootstrap;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which labels a kubelet may set on its own Node: the rules of the NodeRestriction admission
 * plugin, which the kubelet also enforces on {@code --node-labels} at startup (it refuses to start
 * with a forbidden key, so such a key in the flags would keep the node from ever joining).
 *
 * <ul>
 *   <li>Keys under {@code node-restriction.kubernetes.io/} (and its subdomains) are forbidden: that
 *       prefix exists so admins can mark nodes in a way nodes cannot fake.
 *   <li>Keys under {@code kubernetes.io/} or {@code k8s.io/} (and their subdomains) are forbidden
 *       unless they are in {@link #ALLOWED_KEYS} or under a namespace in {@link
 *       #ALLOWED_NAMESPACES} (or its subdomains).
 *   <li>Any other key is allowed.
 * </ul>
 *
 * <p>Sources:
 * https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction,
 * KEP-279 "Bounding Self-Labeling Kubelets", and {@code
 * k8s.io/kubelet/pkg/apis/well_known_labels.go}.
 */
public final class KubeletLabels {
  private KubeletLabels() {}

  // Well-known node labels (k8s.io/api/core/v1 well_known_labels.go): set by the kubelet, or
  // for a node of an external cloud provider, by its cloud-node-manager.
  public static final String HOSTNAME = "kubernetes.io/hostname";
  public static final String ARCH = "kubernetes.io/arch";
  public static final String OS = "kubernetes.io/os";
  public static final String ARCH_BETA = "beta.kubernetes.io/arch";
  public static final String OS_BETA = "beta.kubernetes.io/os";
  public static final String INSTANCE_TYPE_BETA = "beta.kubernetes.io/instance-type";
  public static final String INSTANCE_TYPE = "node.kubernetes.io/instance-type";
  public static final String REGION_BETA = "failure-domain.beta.kubernetes.io/region";
  public static final String ZONE_BETA = "failure-domain.beta.kubernetes.io/zone";
  public static final String REGION = "topology.kubernetes.io/region";
  public static final String ZONE = "topology.kubernetes.io/zone";

  /** Keys in the Kubernetes namespaces that a kubelet may set. */
  public static final Set<String> ALLOWED_KEYS =
      Set.of(
          HOSTNAME,
          ARCH,
          OS,
          ARCH_BETA,
          OS_BETA,
          INSTANCE_TYPE_BETA,
          INSTANCE_TYPE,
          REGION_BETA,
          ZONE_BETA,
          REGION,
          ZONE);

  /** Namespaces (with their subdomains) in which a kubelet may set any key. */
  public static final Set<String> ALLOWED_NAMESPACES =
      Set.of("kubelet.kubernetes.io", "node.kubernetes.io");

  /** Labels split by who can set them. Both maps are sorted by key. */
  public record Split(SortedMap<String, String> kubelet, SortedMap<String, String> operatorOnly) {
    public Split {
      kubelet = Collections.unmodifiableSortedMap(new TreeMap<>(kubelet));
      operatorOnly = Collections.unmodifiableSortedMap(new TreeMap<>(operatorOnly));
    }
  }

  /** Whether NodeRestriction lets a kubelet set a label with this key on its own Node. */
  public static boolean kubeletMaySet(String key) {
    String namespace = namespaceOf(key);
    if (within(namespace, "node-restriction.kubernetes.io")) {
      return false;
    }
    if (within(namespace, "kubernetes.io") || within(namespace, "k8s.io")) {
      return ALLOWED_KEYS.contains(key)
          || ALLOWED_NAMESPACES.stream().anyMatch(allowed -> within(namespace, allowed));
    }
    return true;
  }

  /** The labels a kubelet may set, and the ones only the operator can set after the join. */
  public static Split split(Map<String, String> labels) {
    SortedMap<String, String> kubelet = new TreeMap<>();
    SortedMap<String, String> operatorOnly = new TreeMap<>();
    labels.forEach((key, value) -> (kubeletMaySet(key) ? kubelet : operatorOnly).put(key, value));
    return new Split(kubelet, operatorOnly);
  }

  private static String namespaceOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? "" : key.substring(0, slash);
  }

  private static boolean within(String namespace, String domain) {
    return namespace.equals(domain) || namespace.endsWith("." + domain);
  }
}
