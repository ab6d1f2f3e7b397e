package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.node.bootstrap.BootstrapMode;
import io.nestedvirt.operator.node.bootstrap.BootstrapToken;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.operator.node.bootstrap.KubeadmJoin;
import io.nestedvirt.operator.node.bootstrap.NodeBootstrap;
import io.nestedvirt.operator.node.bootstrap.UserDataRenderer;

/**
 * The user data a pool's instances boot with, so they join as the pool's nodes with the startup
 * taint. Problems (missing cluster settings, a malformed kubeadm endpoint or CA hash) come back as
 * a message for the LaunchConfigValid condition. Pure: a kubeadm pool's join token is not read from
 * anywhere; each instance gets its own (see {@link UserData.PerInstance}).
 */
public final class UserDataFactory {
  /** Rendered user data, or why it cannot be. */
  public sealed interface Result {}

  public record Rendered(UserData userData) implements Result {}

  public record Invalid(String message) implements Result {}

  /**
   * Stands in for an instance's token when a kubeadm pool's settings are checked: it has a real
   * token's length, so the size check against EC2's limit is exact. Never sent anywhere.
   */
  private static final BootstrapToken CHECK_ONLY = new BootstrapToken("000000", "0000000000000000");

  private final ClusterInfo cluster;

  public UserDataFactory(ClusterInfo cluster) {
    this.cluster = cluster;
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
                    spec.bootstrap.kubeadm == null
                        ? null // the renderer says what is missing
                        : new KubeadmJoin(
                            spec.bootstrap.kubeadm.apiServerEndpoint,
                            null,
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
      if (mode == BootstrapSpec.Mode.KUBEADM) {
        UserDataRenderer.render(bootstrap.withToken(CHECK_ONLY)); // throws what is wrong
        return new Rendered(new UserData.PerInstance(bootstrap));
      }
      return new Rendered(new UserData.Shared(UserDataRenderer.render(bootstrap).text()));
    } catch (IllegalArgumentException e) {
      return new Invalid("bootstrap: " + e.getMessage());
    }
  }
}
