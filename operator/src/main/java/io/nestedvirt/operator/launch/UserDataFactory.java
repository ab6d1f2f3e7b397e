package io.nestedvirt.operator.launch;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.node.bootstrap.BootstrapMode;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.operator.node.bootstrap.KubeadmJoin;
import io.nestedvirt.operator.node.bootstrap.NodeBootstrap;
import io.nestedvirt.operator.node.bootstrap.UserDataRenderer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The user data a pool's instances boot with, so they join as the pool's nodes with the startup
 * taint. Problems (missing cluster settings, a missing token Secret) come back as a message for the
 * LaunchConfigValid condition.
 */
public final class UserDataFactory {
  /** Rendered user data, or why it cannot be. */
  public sealed interface Result {}

  public record Rendered(String userData) implements Result {}

  public record Invalid(String message) implements Result {}

  private final KubernetesClient client;
  private final ClusterInfo cluster;
  private final String operatorNamespace;

  public UserDataFactory(KubernetesClient client, ClusterInfo cluster, String operatorNamespace) {
    this.client = client;
    this.cluster = cluster;
    this.operatorNamespace = operatorNamespace;
  }

  Result render(NestedVirtPool pool) {
    NestedVirtPoolSpec spec = pool.getSpec();
    BootstrapSpec.Mode mode = spec.bootstrap == null ? BootstrapSpec.Mode.EKS : spec.bootstrap.mode;
    try {
      NodeBootstrap bootstrap =
          switch (mode) {
            case EKS -> {
              if (cluster == null) {
                yield null;
              }
              yield NodeBootstrap.eks(
                  cluster,
                  pool.name(),
                  NodeTemplates.labels(spec),
                  NodeTemplates.taints(spec),
                  spec.userData);
            }
            case KUBEADM ->
                new NodeBootstrap(
                    BootstrapMode.KUBEADM,
                    null,
                    pool.name(),
                    NodeTemplates.labels(spec),
                    NodeTemplates.taints(spec),
                    spec.userData,
                    new KubeadmJoin(
                        spec.bootstrap.kubeadm.apiServerEndpoint,
                        token(spec.bootstrap.kubeadm.tokenSecretName),
                        spec.bootstrap.kubeadm.caCertHashes));
            case RAW ->
                new NodeBootstrap(
                    BootstrapMode.RAW,
                    null,
                    pool.name(),
                    NodeTemplates.labels(spec),
                    NodeTemplates.taints(spec),
                    spec.userData,
                    null);
          };
      if (bootstrap == null) {
        return new Invalid(
            "bootstrap mode eks needs the cluster's endpoint, CA and service CIDR: start the"
                + " operator with --cluster-endpoint, --cluster-ca and --service-cidr, or use"
                + " bootstrap.mode raw or kubeadm");
      }
      return new Rendered(UserDataRenderer.render(bootstrap).text());
    } catch (IllegalArgumentException e) {
      return new Invalid("bootstrap: " + e.getMessage());
    }
  }

  private String token(String secretName) {
    Secret secret = client.secrets().inNamespace(operatorNamespace).withName(secretName).get();
    if (secret == null) {
      throw new IllegalArgumentException(
          "Secret " + operatorNamespace + "/" + secretName + " with the join token does not exist");
    }
    String encoded = secret.getData() == null ? null : secret.getData().get("token");
    if (encoded == null) {
      throw new IllegalArgumentException(
          "Secret " + operatorNamespace + "/" + secretName + " has no key 'token'");
    }
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).trim();
  }
}
