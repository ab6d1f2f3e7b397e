package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Realistic inputs shared by the tests. */
final class BootstrapFixtures {
  private BootstrapFixtures() {}

  static final String POOL = "kubevirt";

  static final String CA_BASE64 =
      Base64.getEncoder()
          .encodeToString(
              ("-----BEGIN CERTIFICATE-----\n"
                      + "MIIDBTCCAe2gAwIBAgIIQ2VydGlmaWNhdGUgZm9yIHRlc3RzIG9ubHkwDQYJKoZI\n"
                      + "-----END CERTIFICATE-----\n")
                  .getBytes(StandardCharsets.US_ASCII));

  static final ClusterInfo CLUSTER =
      new ClusterInfo(
          "prod-east",
          "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com",
          CA_BASE64,
          "10.100.0.0/16");

  static final String TOKEN = "abcdef.0123456789abcdef";
  static final String CA_HASH =
      "sha256:7f3c2a9be1d04c5a8e6f1b2d3c4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

  static final KubeadmJoin JOIN = new KubeadmJoin("10.0.0.10:6443", TOKEN, List.of(CA_HASH));

  /** One label of each kind: plain, prefixed, allowed kubernetes.io namespace, forbidden one. */
  static final Map<String, String> LABELS =
      Map.of(
          "workload", "vm",
          "example.com/team", "platform",
          "node.kubernetes.io/lifecycle", "on-demand",
          "node-role.kubernetes.io/virt", "");

  static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }

  static final List<Taint> TAINTS =
      List.of(
          taint("kubevirt.io/dedicated", "true", "NoSchedule"),
          taint("example.com/maintenance", null, "PreferNoSchedule"));
}
