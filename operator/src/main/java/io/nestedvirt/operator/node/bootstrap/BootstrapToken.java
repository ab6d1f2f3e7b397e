package io.nestedvirt.operator.node.bootstrap;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * A kubeadm bootstrap token, {@code <id>.<secret>} ({@code [a-z0-9]{6}.[a-z0-9]{16}}). The id is
 * public (the API server names the node's user {@code system:bootstrap:<id>} and the Secret is
 * {@code bootstrap-token-<id>}); the secret is the credential. Each instance gets its own, drawn
 * from a {@link SecureRandom}: 16 characters of 36 are about 82 bits.
 */
public record BootstrapToken(String id, String secret) {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final Pattern ID = Pattern.compile("[a-z0-9]{6}");
  private static final Pattern SECRET = Pattern.compile("[a-z0-9]{16}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the Secret of a token is called, as the API server's token authenticator expects. */
  public static final String SECRET_NAME_PREFIX = "bootstrap-token-";

  public BootstrapToken {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "a bootstrap token id is six lower-case letters or digits");
    }
    if (secret == null || !SECRET.matcher(secret).matches()) {
      // Never the value itself: it is the credential.
      throw new IllegalArgumentException(
          "a bootstrap token secret is sixteen lower-case letters or digits");
    }
  }

  /** A fresh token; never one that was handed out before (the chance of a repeat is negligible). */
  public static BootstrapToken generate() {
    return generate(RANDOM);
  }

  static BootstrapToken generate(SecureRandom random) {
    return new BootstrapToken(draw(random, 6), draw(random, 16));
  }

  /** The token as kubeadm takes it: {@code <id>.<secret>}. */
  public String value() {
    return id + "." + secret;
  }

  /** {@code bootstrap-token-<id>}, in kube-system. */
  public String secretName() {
    return SECRET_NAME_PREFIX + id;
  }

  /** Never prints the secret, so a logged or thrown token does not leak it. */
  @Override
  public String toString() {
    return "BootstrapToken[id=" + id + ", secret=<redacted>]";
  }

  private static String draw(SecureRandom random, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }
}
