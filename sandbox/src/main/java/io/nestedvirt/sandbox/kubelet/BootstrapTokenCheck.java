package io.nestedvirt.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Whether {@code kubeadm join} with a bootstrap token would get past the API server, decided as
 * Kubernetes' bootstrap token authenticator decides it (plugin/pkg/auth/authenticator/token/
 * bootstrap): a Secret {@code bootstrap-token-<id>} in {@code kube-system} of type {@code
 * bootstrap.kubernetes.io/token}, not being deleted, whose {@code token-secret} matches, which is
 * usable for authentication and has not expired. The simulated kubelet of a kubeadm instance joins
 * only then, so a sandbox pool whose tokens are missing, wrong or expired never gets its nodes.
 */
final class BootstrapTokenCheck {
  private BootstrapTokenCheck() {}

  /** Why the token is refused, or empty when it is accepted. */
  static Optional<String> refusal(KubernetesClient client, String token, Instant now) {
    String[] parts = token == null ? new String[0] : token.split("\\.", -1);
    if (parts.length != 2) {
      return Optional.of("not a bootstrap token");
    }
    String name = "bootstrap-token-" + parts[0];
    Secret secret = client.secrets().inNamespace("kube-system").withName(name).get();
    if (secret == null) {
      return Optional.of("no Secret kube-system/" + name);
    }
    if (!"bootstrap.kubernetes.io/token".equals(secret.getType())) {
      return Optional.of("Secret " + name + " is of type " + secret.getType());
    }
    if (secret.getMetadata().getDeletionTimestamp() != null) {
      return Optional.of("Secret " + name + " is being deleted");
    }
    if (!parts[1].equals(field(secret, "token-secret"))) {
      return Optional.of("the token's secret does not match Secret " + name);
    }
    if (!"true".equals(field(secret, "usage-bootstrap-authentication"))) {
      return Optional.of("Secret " + name + " is not usable for authentication");
    }
    String expiration = field(secret, "expiration");
    if (expiration != null && !now.isBefore(Instant.parse(expiration))) {
      return Optional.of("token " + parts[0] + " expired at " + expiration);
    }
    return Optional.empty();
  }

  private static String field(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
    }
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }
}
