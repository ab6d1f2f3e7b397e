package io.nestedvirt.operator.node.bootstrap;

import static io.nestedvirt.operator.node.bootstrap.Yaml.quoted;

import io.fabric8.kubernetes.api.model.Taint;
import java.util.Base64;
import java.util.List;
import java.util.SortedMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code nodeadm} NodeConfig of an Amazon Linux 2023 EKS node (API {@code
 * node.eks.aws/v1alpha1}: {@code spec.cluster.name}, {@code apiServerEndpoint}, {@code
 * certificateAuthority}, {@code cidr}, {@code spec.kubelet.flags}; see
 * https://awslabs.github.io/amazon-eks-ami/nodeadm/doc/api/).
 */
final class EksNodeConfig {
  private EksNodeConfig() {}

  // The EKS CreateCluster rule for names.
  private static final Pattern CLUSTER_NAME = Pattern.compile("[0-9A-Za-z][A-Za-z0-9_-]{0,99}");
  private static final Pattern HTTPS_URL = Pattern.compile("https://[^\\s\"'\\\\]+");
  private static final Pattern CIDR =
      Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2})|([0-9A-Fa-f:]*:[0-9A-Fa-f:]*/\\d{1,3})");
  private static final String FROM_EKS = " (from EKS DescribeCluster: ";

  static String render(
      ClusterInfo cluster, SortedMap<String, String> kubeletLabels, List<Taint> taints) {
    check(cluster);
    String nodeLabels =
        kubeletLabels.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    return """
        ---
        apiVersion: node.eks.aws/v1alpha1
        kind: NodeConfig
        spec:
          cluster:
            name: %s
            apiServerEndpoint: %s
            certificateAuthority: %s
            cidr: %s
          kubelet:
            flags:
              - %s
              - %s
        """
        .formatted(
            quoted(cluster.name()),
            quoted(cluster.apiServerEndpoint()),
            quoted(cluster.certificateAuthorityBase64()),
            quoted(cluster.serviceCidr()),
            quoted("--node-labels=" + nodeLabels),
            quoted("--register-with-taints=" + NodeTaints.registerWithTaintsFlagValue(taints)));
  }

  private static void check(ClusterInfo cluster) {
    if (cluster == null) {
      throw new IllegalArgumentException(
          "EKS bootstrap needs the cluster's name, API server endpoint, certificate authority and"
              + " service CIDR"
              + FROM_EKS
              + "aws eks describe-cluster --name <cluster>)");
    }
    if (blank(cluster.name())) {
      throw new IllegalArgumentException(
          "the EKS cluster name is empty: set the operator's --cluster-name");
    }
    if (!CLUSTER_NAME.matcher(cluster.name()).matches()) {
      throw new IllegalArgumentException(
          "the EKS cluster name '"
              + cluster.name()
              + "' is not a valid EKS cluster name (letters, digits, '-' and '_', at most 100)");
    }
    if (blank(cluster.apiServerEndpoint())) {
      throw new IllegalArgumentException(
          "the cluster's API server endpoint is empty: EKS nodes need it"
              + FROM_EKS
              + "cluster.endpoint)");
    }
    if (!HTTPS_URL.matcher(cluster.apiServerEndpoint()).matches()) {
      throw new IllegalArgumentException(
          "the cluster's API server endpoint '"
              + cluster.apiServerEndpoint()
              + "' is not an https:// URL"
              + FROM_EKS
              + "cluster.endpoint)");
    }
    String ca = cluster.certificateAuthorityBase64();
    if (blank(ca)) {
      throw new IllegalArgumentException(
          "the cluster's certificate authority is empty: EKS nodes need it"
              + FROM_EKS
              + "cluster.certificateAuthority.data)");
    }
    if (ca.startsWith("-----BEGIN")) {
      throw new IllegalArgumentException(
          "the cluster's certificate authority is PEM text; give it base64-encoded, as"
              + " DescribeCluster returns it in cluster.certificateAuthority.data");
    }
    try {
      Base64.getDecoder().decode(ca);
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException(
          "the cluster's certificate authority is not base64 on one line"
              + FROM_EKS
              + "cluster.certificateAuthority.data)");
    }
    if (blank(cluster.serviceCidr())) {
      throw new IllegalArgumentException(
          "the cluster's service CIDR is empty: nodeadm derives the cluster DNS address from it"
              + FROM_EKS
              + "cluster.kubernetesNetworkConfig.serviceIpv4Cidr, for example 10.100.0.0/16)");
    }
    if (!CIDR.matcher(cluster.serviceCidr()).matches()) {
      throw new IllegalArgumentException(
          "the cluster's service CIDR '"
              + cluster.serviceCidr()
              + "' is not a CIDR block like 10.100.0.0/16"
              + FROM_EKS
              + "cluster.kubernetesNetworkConfig.serviceIpv4Cidr)");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
