package io.nestedvirt.operator.node.bootstrap;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The node labels of a pool: the operator's fixed ones and the pool's own, checked. */
public final class NodeLabels {
  private NodeLabels() {}

  /** Set by the kubelet at registration (EKS, KUBEADM) or by the operator (RAW). */
  public static final String POOL = io.nestedvirt.operator.api.v1alpha1.NestedVirtPool.POOL_LABEL;

  /**
   * Set by the operator only: NodeRestriction keeps a kubelet from setting it, so a node cannot
   * claim membership of a pool the operator did not give it.
   */
  public static final String RESTRICTED_POOL = "node-restriction.kubernetes.io/nestedvirt-pool";

  /** Set by the operator once the node's NestedVirtualizationReady condition is True. */
  public static final String KVM = "nestedvirt.io/kvm";

  public static final String KVM_VERIFIED = "verified";

  private static final String OPERATOR_PREFIX = "nestedvirt.io/";

  /**
   * The pool's labels plus {@link #POOL}, sorted.
   *
   * @throws IllegalArgumentException when a label is malformed, belongs to the operator, or is one
   *     the kubelet derives per node (hostname, zone, instance type, ...)
   */
  public static SortedMap<String, String> forPool(String poolName, Map<String, String> poolLabels) {
    SortedMap<String, String> labels = new TreeMap<>();
    poolLabels.forEach(
        (key, value) -> {
          String keyProblem = LabelSyntax.keyProblem(key);
          if (keyProblem != null) {
            throw new IllegalArgumentException(
                "pool label key '" + key + "' is invalid: " + keyProblem);
          }
          String valueProblem = LabelSyntax.valueProblem(value);
          if (valueProblem != null) {
            throw new IllegalArgumentException(
                "pool label " + key + "=" + value + " is invalid: " + valueProblem);
          }
          if ((key.equals(POOL) || key.equals(RESTRICTED_POOL)) && !value.equals(poolName)) {
            throw new IllegalArgumentException(
                "pool label "
                    + key
                    + "="
                    + value
                    + " conflicts with the pool name: the operator sets "
                    + key
                    + "="
                    + poolName
                    + "; remove it from the pool's labels");
          }
          if (key.startsWith(OPERATOR_PREFIX) && !key.equals(POOL)) {
            throw new IllegalArgumentException(
                "pool label "
                    + key
                    + " is under nestedvirt.io/, which is the operator's (for example"
                    + " nestedvirt.io/kvm=verified is set only after KVM is verified); use another"
                    + " prefix");
          }
          if (KubeletLabels.ALLOWED_KEYS.contains(key)) {
            throw new IllegalArgumentException(
                "pool label "
                    + key
                    + " is set per node by the kubelet or cloud provider (it differs between the"
                    + " pool's nodes); remove it from the pool's labels");
          }
          labels.put(key, value);
        });
    labels.put(POOL, poolName);
    return labels;
  }
}
