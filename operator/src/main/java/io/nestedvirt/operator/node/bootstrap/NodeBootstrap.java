package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything needed to render one pool's user data. Checked by {@link UserDataRenderer#render}, not
 * here, so that a bad input becomes one clear message.
 *
 * @param mode how the instance joins
 * @param cluster the EKS cluster; needed in {@link BootstrapMode#EKS} mode only
 * @param poolName the pool; becomes the value of {@code nestedvirt.io/pool}
 * @param labels the pool's node labels, without the pool label (it is added)
 * @param taints the pool's node taints, without the startup taint (it is added first)
 * @param extraUserData the pool's own user data, or null: an extra part in EKS and KUBEADM mode,
 *     the whole user data in RAW mode
 * @param kubeadm the join parameters; needed in {@link BootstrapMode#KUBEADM} mode only
 */
public record NodeBootstrap(
    BootstrapMode mode,
    ClusterInfo cluster,
    String poolName,
    Map<String, String> labels,
    List<Taint> taints,
    String extraUserData,
    KubeadmJoin kubeadm) {

  public NodeBootstrap {
    SortedMap<String, String> sorted = new TreeMap<>();
    if (labels != null) {
      labels.forEach(
          (key, value) -> {
            if (key == null) {
              throw new IllegalArgumentException("pool label with an empty key");
            }
            sorted.put(key, value);
          });
    }
    labels = Collections.unmodifiableSortedMap(sorted);
    // Taint is mutable; copy so later changes by the caller cannot alter what was rendered.
    List<Taint> copies = new ArrayList<>();
    if (taints != null) {
      taints.forEach(t -> copies.add(t == null ? null : new TaintBuilder(t).build()));
    }
    taints = Collections.unmodifiableList(copies);
  }

  /**
   * The same bootstrap joining with {@code token}; only for {@link BootstrapMode#KUBEADM}. Without
   * join parameters it stays as it is, for {@link UserDataRenderer#render} to say what is missing.
   */
  public NodeBootstrap withToken(BootstrapToken token) {
    if (mode != BootstrapMode.KUBEADM) {
      throw new IllegalStateException("only a kubeadm join takes a bootstrap token");
    }
    if (kubeadm == null) {
      return this;
    }
    return new NodeBootstrap(
        mode, cluster, poolName, labels, taints, extraUserData, kubeadm.withToken(token));
  }

  public static NodeBootstrap eks(
      ClusterInfo cluster,
      String poolName,
      Map<String, String> labels,
      List<Taint> taints,
      String extraUserData) {
    return new NodeBootstrap(
        BootstrapMode.EKS, cluster, poolName, labels, taints, extraUserData, null);
  }

  public static NodeBootstrap kubeadm(
      KubeadmJoin join,
      String poolName,
      Map<String, String> labels,
      List<Taint> taints,
      String extraUserData) {
    return new NodeBootstrap(
        BootstrapMode.KUBEADM, null, poolName, labels, taints, extraUserData, join);
  }

  public static NodeBootstrap raw(
      String userData, String poolName, Map<String, String> labels, List<Taint> taints) {
    return new NodeBootstrap(BootstrapMode.RAW, null, poolName, labels, taints, userData, null);
  }
}
