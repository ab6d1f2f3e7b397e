package io.nestedvirt.operator.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic RunInstances client tokens. A token depends only on the pool's uid and the launch
 * sequence number recorded in status, so the same decided launch always carries the same token (EC2
 * then returns the first call's instances instead of launching again), and two pools or two
 * launches never share one.
 */
public final class ClientTokens {
  private ClientTokens() {}

  public static String forLaunch(String poolUid, long sequence) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((poolUid + "/" + sequence).getBytes(StandardCharsets.UTF_8));
      // EC2 accepts up to 64 ASCII characters.
      return "nvp-" + HexFormat.of().formatHex(digest, 0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
