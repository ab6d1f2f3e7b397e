package io.nestedvirt.operator.node.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BootstrapTokenTest {
  private static final Instant EXPIRES = Instant.parse("2026-12-01T00:15:00Z");

  @Test
  void aGeneratedTokenHasKubeadmsFormatAndNeverRepeats() {
    Set<String> values = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      BootstrapToken token = BootstrapToken.generate();
      assertThat(token.value()).matches("[a-z0-9]{6}\\.[a-z0-9]{16}");
      values.add(token.value());
    }
    assertThat(values).as("10,000 tokens, all different").hasSize(10_000);
  }

  @Test
  void tokensComeFromTheRandomSourceGiven() throws Exception {
    SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
    seeded.setSeed(42);
    SecureRandom same = SecureRandom.getInstance("SHA1PRNG");
    same.setSeed(42);
    assertThat(BootstrapToken.generate(seeded)).isEqualTo(BootstrapToken.generate(same));
  }

  @Test
  void aTokenNeverPrintsItsSecret() {
    BootstrapToken token = new BootstrapToken("abcdef", "0123456789abcdef");
    assertThat(token.toString()).contains("abcdef").doesNotContain("0123456789abcdef");
    assertThat(new KubeadmJoin("10.0.0.10:6443", token.value(), List.of()).toString())
        .doesNotContain("0123456789abcdef");
    assertThatThrownBy(() -> new BootstrapToken("abcdef", "0123456789ABCDEF"))
        .hasMessageNotContaining("0123456789ABCDEF");
  }

  @Test
  void theSecretHasTheShapeTheApiServersTokenAuthenticatorAndKubeadmExpect() {
    BootstrapToken token = new BootstrapToken("abcdef", "0123456789abcdef");
    Secret secret =
        BootstrapTokenSecret.build(
            token,
            "kubevirt-x7k2p",
            "uid-1",
            "kubevirt",
            EXPIRES.plusMillis(300),
            new OwnerReferenceBuilder()
                .withApiVersion("nestedvirt.io/v1alpha1")
                .withKind("NestedVirtInstance")
                .withName("kubevirt-x7k2p")
                .withUid("uid-1")
                .build());

    assertThat(secret.getMetadata().getName()).isEqualTo("bootstrap-token-abcdef");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(secret.getType()).isEqualTo("bootstrap.kubernetes.io/token");
    assertThat(decoded(secret))
        .containsEntry("token-id", "abcdef")
        .containsEntry("token-secret", "0123456789abcdef")
        .containsEntry("expiration", "2026-12-01T00:15:00Z")
        .containsEntry("usage-bootstrap-authentication", "true")
        .containsEntry("usage-bootstrap-signing", "true")
        .containsEntry("auth-extra-groups", "system:bootstrappers:kubeadm:default-node-token")
        .hasEntrySatisfying("description", d -> assertThat(d).contains("kubevirt-x7k2p"));
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("nestedvirt.io/machine", "kubevirt-x7k2p")
        .containsEntry("nestedvirt.io/machine-uid", "uid-1")
        .containsEntry("nestedvirt.io/pool", "kubevirt");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-1"));

    assertThat(BootstrapTokenSecret.token(secret)).contains(token);
    assertThat(BootstrapTokenSecret.expiration(secret)).contains(EXPIRES);
    assertThat(BootstrapTokenSecret.machineUid(secret)).isEqualTo("uid-1");
  }

  @Test
  void aMachineNameTooLongForALabelValueIsLeftToTheUidLabelAndTheDescription() {
    String machine = "p".repeat(58) + "-x7k2p";
    Secret secret =
        BootstrapTokenSecret.build(
            BootstrapToken.generate(), machine, "uid-1", "p".repeat(58), EXPIRES, null);
    assertThat(secret.getMetadata().getLabels())
        .doesNotContainKey("nestedvirt.io/machine")
        .containsEntry("nestedvirt.io/machine-uid", "uid-1");
    assertThat(decoded(secret).get("description")).contains(machine);
  }

  @Test
  void aKubeadmJoinRenderedWithTheInstancesTokenCarriesIt() {
    BootstrapToken token = new BootstrapToken("qwerty", "0123456789qwerty");
    NodeBootstrap withoutToken =
        NodeBootstrap.kubeadm(
            new KubeadmJoin("10.0.0.10:6443", null, List.of(BootstrapFixtures.CA_HASH)),
            "kubevirt",
            Map.of(),
            List.of(),
            null);
    assertThat(UserDataRenderer.render(withoutToken.withToken(token)).text())
        .contains("token: \"qwerty.0123456789qwerty\"");
  }

  private static Map<String, String> decoded(Secret secret) {
    Map<String, String> out = new java.util.TreeMap<>();
    secret
        .getData()
        .forEach(
            (k, v) ->
                out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return out;
  }
}
