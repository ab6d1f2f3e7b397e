package io.nestedvirt.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.operator.node.bootstrap.KubeadmJoin;
import io.nestedvirt.operator.node.bootstrap.NodeBootstrap;
import io.nestedvirt.operator.node.bootstrap.UserDataRenderer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** User data as the operator renders it, for the kubelet simulator's tests. */
final class KubeletTestFixtures {
  private KubeletTestFixtures() {}

  static final String POOL = "kubevirt";

  static final Map<String, String> POOL_LABELS =
      Map.of("workload", "vm", "example.com/team", "platform");

  static final List<Taint> POOL_TAINTS =
      List.of(
          taint("kubevirt.io/dedicated", "true", "NoSchedule"),
          taint("example.com/maintenance", null, "PreferNoSchedule"));

  static final ClusterInfo CLUSTER =
      new ClusterInfo(
          "demo",
          "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com",
          Base64.getEncoder()
              .encodeToString("not a real certificate".getBytes(StandardCharsets.US_ASCII)),
          "10.100.0.0/16");

  static final KubeadmJoin JOIN =
      new KubeadmJoin(
          "10.0.0.10:6443",
          "abcdef.0123456789abcdef",
          List.of("sha256:7f3c2a9be1d04c5a8e6f1b2d3c4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"));

  static String eksUserData() {
    return eksUserData(null);
  }

  static String eksUserData(String extra) {
    return UserDataRenderer.render(
            NodeBootstrap.eks(CLUSTER, POOL, POOL_LABELS, POOL_TAINTS, extra))
        .text();
  }

  static String kubeadmUserData(String extra) {
    return UserDataRenderer.render(
            NodeBootstrap.kubeadm(JOIN, POOL, POOL_LABELS, POOL_TAINTS, extra))
        .text();
  }

  static String rawUserData() {
    return UserDataRenderer.render(
            NodeBootstrap.raw(
                "#!/bin/bash\n/etc/eks/bootstrap.sh demo --kubelet-extra-args '--node-labels=a=b'\n",
                POOL,
                POOL_LABELS,
                POOL_TAINTS))
        .text();
  }

  static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }
}
