package io.nestedvirt.operator.node.bootstrap;

import java.util.List;

/**
 * What {@code kubeadm join} needs to find and trust the control plane.
 *
 * @param apiServerEndpoint {@code host:port} of the API server, without a scheme
 * @param token a bootstrap token ({@code abcdef.0123456789abcdef}), made by the operator for this
 *     one instance ({@link BootstrapToken}); it never appears in logs or status
 * @param caCertHashes pins of the cluster CA's public key, {@code sha256:<64 hex digits>} (a bare
 *     hex digest is accepted too); at least one is required
 */
public record KubeadmJoin(String apiServerEndpoint, String token, List<String> caCertHashes) {
  public KubeadmJoin {
    caCertHashes = caCertHashes == null ? List.of() : List.copyOf(caCertHashes);
  }

  /** The same join with the instance's own token. */
  public KubeadmJoin withToken(BootstrapToken instanceToken) {
    return new KubeadmJoin(apiServerEndpoint, instanceToken.value(), caCertHashes);
  }

  /** Never prints the token, so a logged or thrown record does not leak it. */
  @Override
  public String toString() {
    return "KubeadmJoin[apiServerEndpoint="
        + apiServerEndpoint
        + ", token="
        + (token == null || token.isEmpty() ? "<empty>" : "<redacted>")
        + ", caCertHashes="
        + caCertHashes
        + "]";
  }
}
