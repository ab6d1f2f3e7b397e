package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.Taint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Renders the user data with which an instance joins the cluster as a node of its pool. Pure and
 * deterministic: the same input gives the same bytes (sorted labels, a fixed MIME boundary).
 */
public final class UserDataRenderer {
  private UserDataRenderer() {}

  /** EC2's limit on user data, in bytes before base64 encoding. */
  public static final int MAX_BYTES = 16 * 1024;

  /**
   * The user data for {@code bootstrap}, and the labels and taints the operator must apply itself
   * once the Node registers.
   *
   * @throws IllegalArgumentException with a message that says what to set or fix, when an input is
   *     missing or malformed, or the result is over {@link #MAX_BYTES}
   */
  public static BootstrapUserData render(NodeBootstrap bootstrap) {
    if (bootstrap == null || bootstrap.mode() == null) {
      throw new IllegalArgumentException(
          "the bootstrap mode is missing: choose EKS, KUBEADM or RAW");
    }
    String pool = checkPoolName(bootstrap.poolName());
    SortedMap<String, String> labels = NodeLabels.forPool(pool, bootstrap.labels());
    List<Taint> taints = NodeTaints.registrationTaints(bootstrap.taints());
    String extra = bootstrap.extraUserData();

    String text;
    BootstrapUserData result;
    if (bootstrap.mode() == BootstrapMode.RAW) {
      if (extra == null || extra.isBlank()) {
        throw new IllegalArgumentException(
            "RAW bootstrap passes the pool's user data through unchanged, and it is empty: give"
                + " user data that joins the node to the cluster, or choose EKS or KUBEADM");
      }
      text = extra;
      SortedMap<String, String> afterJoin = new TreeMap<>(labels);
      afterJoin.put(NodeLabels.RESTRICTED_POOL, pool);
      result = new BootstrapUserData(text, afterJoin, taints);
    } else {
      KubeletLabels.Split split = KubeletLabels.split(labels);
      List<MimeMultipart.Part> parts = new ArrayList<>();
      if (bootstrap.mode() == BootstrapMode.EKS) {
        parts.add(
            new MimeMultipart.Part(
                MimeMultipart.NODE_CONFIG,
                EksNodeConfig.render(bootstrap.cluster(), split.kubelet(), taints)));
      } else {
        parts.add(
            new MimeMultipart.Part(
                MimeMultipart.SHELL_SCRIPT,
                KubeadmJoinScript.render(bootstrap.kubeadm(), pool, split.kubelet(), taints)));
      }
      if (extra != null && !extra.isEmpty()) {
        parts.add(MimeMultipart.extraPart(extra));
      }
      // nodeadm reads only MIME documents; a lone kubeadm script stays a plain script.
      text =
          bootstrap.mode() == BootstrapMode.KUBEADM && parts.size() == 1
              ? parts.getFirst().body()
              : MimeMultipart.of(parts);
      SortedMap<String, String> afterJoin = new TreeMap<>(split.operatorOnly());
      afterJoin.put(NodeLabels.RESTRICTED_POOL, pool);
      result = new BootstrapUserData(text, afterJoin, List.of());
    }
    checkSize(result, extra);
    return result;
  }

  private static String checkPoolName(String pool) {
    if (pool == null || pool.isBlank()) {
      throw new IllegalArgumentException("the pool name is empty");
    }
    String problem = LabelSyntax.valueProblem(pool);
    if (problem != null) {
      throw new IllegalArgumentException(
          "pool name '"
              + pool
              + "' cannot be the value of the node label "
              + NodeLabels.POOL
              + ": "
              + problem
              + "; use a shorter pool name");
    }
    return pool;
  }

  private static void checkSize(BootstrapUserData result, String extra) {
    int size = result.sizeBytes();
    if (size <= MAX_BYTES) {
      return;
    }
    int extraSize = extra == null ? 0 : extra.getBytes(StandardCharsets.UTF_8).length;
    throw new IllegalArgumentException(
        "user data would be "
            + size
            + " bytes, over EC2's limit of "
            + MAX_BYTES
            + " bytes (16 KiB, before base64); the pool's own user data is "
            + extraSize
            + " bytes of it: shorten it by at least "
            + (size - MAX_BYTES)
            + " bytes, or have it download the rest");
  }
}
