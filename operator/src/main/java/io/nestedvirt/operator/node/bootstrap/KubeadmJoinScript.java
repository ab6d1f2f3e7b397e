package io.nestedvirt.operator.node.bootstrap;

import static io.nestedvirt.operator.node.bootstrap.Yaml.quoted;

import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A shell script that joins a node with kubeadm. Everything, token included, goes into a kubeadm
 * {@code JoinConfiguration} (kubeadm.k8s.io/v1beta4, kubeadm 1.31+) because kubeadm refuses to mix
 * {@code --config} with {@code --token} or {@code --discovery-token-ca-cert-hash}. In v1beta4
 * {@code nodeRegistration.kubeletExtraArgs} is a list of {@code {name, value}}.
 *
 * <p>A script rather than cloud-config: cloud-init replaces (does not merge) a {@code runcmd} list
 * when the pool's own user data is cloud-config too, which would silently drop the join.
 */
final class KubeadmJoinScript {
  private KubeadmJoinScript() {}

  static final String CONFIG_PATH = "/run/nestedvirt/kubeadm-join.yaml";
  private static final String END_OF_CONFIG = "NESTEDVIRT_JOIN_CONFIGURATION";

  // kubeadm's bootstrap token format: [a-z0-9]{6}.[a-z0-9]{16}
  private static final Pattern TOKEN = Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):\\d{1,5}");
  private static final Pattern SHA256_PIN = Pattern.compile("(sha256:)?[0-9a-f]{64}");
  private static final String PRINT_JOIN =
      "`kubeadm token create --print-join-command` on a control-plane node prints it";

  static String render(
      KubeadmJoin join,
      String poolName,
      SortedMap<String, String> kubeletLabels,
      List<Taint> taints) {
    List<String> pins = check(join);
    StringBuilder yaml = new StringBuilder();
    yaml.append("apiVersion: kubeadm.k8s.io/v1beta4\n");
    yaml.append("kind: JoinConfiguration\n");
    yaml.append("discovery:\n");
    yaml.append("  bootstrapToken:\n");
    yaml.append("    apiServerEndpoint: ").append(quoted(join.apiServerEndpoint())).append('\n');
    yaml.append("    token: ").append(quoted(join.token())).append('\n');
    yaml.append("    caCertHashes:\n");
    pins.forEach(pin -> yaml.append("      - ").append(quoted(pin)).append('\n'));
    yaml.append("nodeRegistration:\n");
    yaml.append("  kubeletExtraArgs:\n");
    yaml.append("    - name: \"node-labels\"\n");
    yaml.append("      value: ")
        .append(
            quoted(
                kubeletLabels.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(","))))
        .append('\n');
    yaml.append("  taints:\n");
    for (Taint taint : taints) {
      yaml.append("    - key: ").append(quoted(taint.getKey())).append('\n');
      if (taint.getValue() != null && !taint.getValue().isEmpty()) {
        yaml.append("      value: ").append(quoted(taint.getValue())).append('\n');
      }
      yaml.append("      effect: ").append(quoted(taint.getEffect())).append('\n');
    }

    return "#!/bin/bash\n"
        + "# nestedvirt-operator: join this instance to the cluster as a node of pool "
        + poolName
        + ".\n"
        + "# The join configuration holds a bootstrap token: never trace this script (no set -x);\n"
        + "# the file lives on tmpfs, readable by root only, and is removed when the script ends.\n"
        + "set -euo pipefail\n"
        + "umask 077\n"
        + "install -d -m 0700 /run/nestedvirt\n"
        + "trap 'rm -f "
        + CONFIG_PATH
        + "' EXIT\n"
        // A quoted here-document delimiter: the shell expands nothing inside.
        + "cat > "
        + CONFIG_PATH
        + " <<'"
        + END_OF_CONFIG
        + "'\n"
        + yaml
        + END_OF_CONFIG
        + "\n"
        + "kubeadm join --config "
        + CONFIG_PATH
        + "\n";
  }

  /** The CA pins in {@code sha256:<hex>} form. */
  private static List<String> check(KubeadmJoin join) {
    if (join == null) {
      throw new IllegalArgumentException(
          "KUBEADM bootstrap needs the API server endpoint and the CA cert hash; " + PRINT_JOIN);
    }
    String endpoint = join.apiServerEndpoint();
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException(
          "the kubeadm API server endpoint is empty: give host:port of the API server; "
              + PRINT_JOIN);
    }
    if (endpoint.contains("://")) {
      throw new IllegalArgumentException(
          "the kubeadm API server endpoint '"
              + endpoint
              + "' is a URL; give host:port without the scheme, for example 10.0.0.10:6443");
    }
    if (!HOST_PORT.matcher(endpoint).matches()) {
      throw new IllegalArgumentException(
          "the kubeadm API server endpoint '"
              + endpoint
              + "' is not host:port, for example 10.0.0.10:6443");
    }
    // Messages about the token never include it.
    if (join.token() == null || join.token().isBlank()) {
      throw new IllegalArgumentException(
          "the kubeadm bootstrap token is empty: the operator makes one for each instance");
    }
    if (!TOKEN.matcher(join.token()).matches()) {
      throw new IllegalArgumentException(
          "the kubeadm bootstrap token is not a bootstrap token (six and sixteen lower-case"
              + " letters or digits joined by a dot)");
    }
    if (join.caCertHashes().isEmpty()) {
      throw new IllegalArgumentException(
          "the kubeadm CA cert hash is missing: give the sha256 pin of the cluster CA's public key"
              + " (the --discovery-token-ca-cert-hash value; "
              + PRINT_JOIN
              + "); without it the node would trust any server");
    }
    List<String> pins = new ArrayList<>();
    for (String hash : join.caCertHashes()) {
      String pin = hash == null ? "" : hash.strip().toLowerCase(Locale.ROOT);
      if (!SHA256_PIN.matcher(pin).matches()) {
        throw new IllegalArgumentException(
            "the kubeadm CA cert hash '" + hash + "' is not sha256:<64 hex digits>; " + PRINT_JOIN);
      }
      pins.add(pin.startsWith("sha256:") ? pin : "sha256:" + pin);
    }
    return pins;
  }
}
