package io.nestedvirt.operator.node.bootstrap;

import java.util.List;

/**
 * A {@code multipart/mixed} user data document, as cloud-init and nodeadm read it. The boundary is
 * fixed so the output is the same for the same input (golden files, launch template diffs).
 */
final class MimeMultipart {
  private MimeMultipart() {}

  static final String BOUNDARY = "==NESTEDVIRT-BOUNDARY==";

  static final String NODE_CONFIG = "application/node.eks.aws";
  static final String SHELL_SCRIPT = "text/x-shellscript";
  static final String CLOUD_CONFIG = "text/cloud-config";

  record Part(String contentType, String body) {}

  static String of(List<Part> parts) {
    StringBuilder out = new StringBuilder();
    out.append("MIME-Version: 1.0\n");
    out.append("Content-Type: multipart/mixed; boundary=\"").append(BOUNDARY).append("\"\n");
    out.append('\n');
    for (Part part : parts) {
      out.append("--").append(BOUNDARY).append('\n');
      out.append("Content-Type: ").append(part.contentType()).append('\n');
      out.append('\n');
      out.append(part.body());
      // The line break before a boundary belongs to the boundary (RFC 2046), so this one is not
      // part of the body: the body arrives byte for byte, its own final line break included.
      out.append('\n');
    }
    out.append("--").append(BOUNDARY).append("--\n");
    return out.toString();
  }

  /**
   * The part for the pool's own user data: a script when it starts with {@code #!}, cloud-config
   * when it starts with {@code #cloud-config}, otherwise a script.
   *
   * @throws IllegalArgumentException when it is a MIME document itself or contains our boundary
   */
  static Part extraPart(String userData) {
    if (userData.startsWith("MIME-Version:") || userData.startsWith("Content-Type:")) {
      throw new IllegalArgumentException(
          "the pool's user data is a MIME document; the operator adds it as one part of its own"
              + " multipart user data, so give a single script (#!...) or #cloud-config instead");
    }
    if (userData.contains("--" + BOUNDARY)) {
      throw new IllegalArgumentException(
          "the pool's user data contains the operator's MIME boundary " + BOUNDARY);
    }
    String type = userData.startsWith("#cloud-config") ? CLOUD_CONFIG : SHELL_SCRIPT;
    return new Part(type, userData);
  }
}
