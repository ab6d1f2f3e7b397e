package io.nestedvirt.operator.node.bootstrap;

/**
 * Where an EKS node finds its cluster; the fields of EKS {@code DescribeCluster}.
 *
 * @param name the cluster name ({@code cluster.name})
 * @param apiServerEndpoint {@code https://...} ({@code cluster.endpoint})
 * @param certificateAuthorityBase64 the cluster CA bundle, base64 as EKS returns it ({@code
 *     cluster.certificateAuthority.data})
 * @param serviceCidr the service CIDR ({@code cluster.kubernetesNetworkConfig.serviceIpv4Cidr}, or
 *     {@code serviceIpv6Cidr}); nodeadm derives the cluster DNS address from it
 */
public record ClusterInfo(
    String name, String apiServerEndpoint, String certificateAuthorityBase64, String serviceCidr) {}
