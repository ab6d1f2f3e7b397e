package io.nestedvirt.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A kubeconfig for the sandbox's embedded API server, so kubectl (or any client) can talk to it.
 * The server is plain HTTP on loopback and asks for no credentials, so the user entry is empty.
 */
final class Kubeconfig {
  static final String CONTEXT = "nestedvirt-sandbox";

  private Kubeconfig() {}

  static String render(String serverUrl) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
        users:
        - name: %1$s
          user: {}
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
        current-context: %1$s
        """
        .formatted(CONTEXT, stripTrailingSlash(serverUrl));
  }

  static void write(Path file, String serverUrl) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, render(serverUrl));
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
