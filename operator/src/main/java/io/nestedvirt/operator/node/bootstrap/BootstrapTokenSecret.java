package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Secret through which the API server knows a bootstrap token, in the shape its token
 * authenticator and kubeadm expect: {@code bootstrap-token-<id>} in {@code kube-system}, of type
 * {@code bootstrap.kubernetes.io/token}. It is usable for authentication (the node's TLS bootstrap)
 * and for signing (kubeadm's token discovery checks the cluster-info ConfigMap's JWS signature made
 * with it), puts the node into kubeadm's node-bootstrapper group, and expires. Labels name the
 * machine it was made for, so that the operator finds and deletes it by label. Pure.
 */
public final class BootstrapTokenSecret {
  private BootstrapTokenSecret() {}

  /** Where the API server looks for bootstrap tokens. */
  public static final String NAMESPACE = "kube-system";

  public static final String TYPE = "bootstrap.kubernetes.io/token";

  /**
   * The group kubeadm's RBAC lets create CSRs and have them auto-approved (the group {@code kubeadm
   * init} gives its own tokens).
   */
  public static final String NODE_BOOTSTRAP_GROUP =
      "system:bootstrappers:kubeadm:default-node-token";

  /** The machine (NestedVirtInstance) the token was made for, when its name fits a label value. */
  public static final String MACHINE_LABEL = "nestedvirt.io/machine";

  /** Its uid: a machine recreated under the same name is another machine. Present on all ours. */
  public static final String MACHINE_UID_LABEL = "nestedvirt.io/machine-uid";

  /**
   * @param token the token
   * @param machine the machine's name
   * @param machineUid the machine's uid
   * @param pool the machine's pool
   * @param expires when the API server stops accepting the token
   * @param owner the machine, so that Kubernetes' garbage collector removes the Secret with it even
   *     if the operator does not; null for none
   */
  public static Secret build(
      BootstrapToken token,
      String machine,
      String machineUid,
      String pool,
      Instant expires,
      OwnerReference owner) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("description", "nestedvirt-operator: joins the node of machine " + machine);
    data.put("token-id", token.id());
    data.put("token-secret", token.secret());
    data.put("expiration", expires.truncatedTo(ChronoUnit.SECONDS).toString());
    data.put("usage-bootstrap-authentication", "true");
    data.put("usage-bootstrap-signing", "true");
    data.put("auth-extra-groups", NODE_BOOTSTRAP_GROUP);
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k, encode(v)));
    var builder =
        new SecretBuilder()
            .withNewMetadata()
            .withName(token.secretName())
            .withNamespace(NAMESPACE)
            .addToLabels(MACHINE_UID_LABEL, machineUid)
            .addToLabels(NodeLabels.POOL, pool)
            .endMetadata()
            .withType(TYPE)
            .withData(encoded);
    // A machine's name is its pool's plus six characters, which can pass a label value's 63; the
    // uid label and the description still name it then.
    if (LabelSyntax.valueProblem(machine) == null) {
      builder.editMetadata().addToLabels(MACHINE_LABEL, machine).endMetadata();
    }
    if (owner != null) {
      builder.editMetadata().addToOwnerReferences(owner).endMetadata();
    }
    return builder.build();
  }

  /** The token a Secret of ours holds; empty when it is not a well-formed bootstrap token. */
  public static Optional<BootstrapToken> token(Secret secret) {
    try {
      return Optional.of(
          new BootstrapToken(field(secret, "token-id"), field(secret, "token-secret")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** When the token expires; empty when it does not say (then the API server never expires it). */
  public static Optional<Instant> expiration(Secret secret) {
    String value = field(secret, "expiration");
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(value));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The uid of the machine the Secret was made for, or null for a Secret not ours. */
  public static String machineUid(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    return labels == null ? null : labels.get(MACHINE_UID_LABEL);
  }

  private static String field(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(
          Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    // An API server keeps stringData only until it stores the Secret; a mock may keep it.
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }

  private static String encode(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
