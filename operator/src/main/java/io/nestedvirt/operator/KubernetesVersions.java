package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;

/** The cluster's Kubernetes minor version, as the default AMI's SSM parameter names it. */
final class KubernetesVersions {
  private KubernetesVersions() {}

  /** "1.34" from the API server's /version (minor may carry a "+" on managed clusters). */
  static String of(KubernetesClient client) {
    VersionInfo v = client.getKubernetesVersion();
    return v.getMajor() + "." + v.getMinor().replaceAll("[^0-9]", "");
  }
}
