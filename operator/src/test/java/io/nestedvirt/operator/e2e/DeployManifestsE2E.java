package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The manifests in deploy/ are accepted by a real API server, with the permissions they claim. */
class DeployManifestsE2E {
  private final RealCluster cluster = E2E.stack().cluster();

  @Test
  void theAgentDaemonSetAndTheExamplePoolsPassServerSideValidation() {
    String repo = cluster.env.repo().toString();
    for (String file : new String[] {"deploy/agent.yaml", "deploy/examples"}) {
      Kubectl.Result r = cluster.kubectl("apply", "--dry-run=server", "-f", repo + "/" + file);
      assertThat(r.code()).as("%s: %s", file, r.output()).isZero();
    }
  }

  @Test
  void theAgentMayWriteNodeStatusAndNothingElse() throws Exception {
    cluster.applyAll(cluster.env.repo().resolve("deploy/agent.yaml"));
    String as =
        "--as=system:serviceaccount:" + RealCluster.OPERATOR_NAMESPACE + ":nestedvirt-agent";
    assertThat(
            last(cluster.kubectl("auth", "can-i", "update", "nodes", "--subresource=status", as)))
        .isEqualTo("yes");
    assertThat(last(cluster.kubectl("auth", "can-i", "get", "nodes", as))).isEqualTo("yes");
    assertThat(last(cluster.kubectl("auth", "can-i", "update", "nodes", as))).isEqualTo("no");
    assertThat(last(cluster.kubectl("auth", "can-i", "list", "secrets", "--all-namespaces", as)))
        .isEqualTo("no");
    assertThat(last(cluster.kubectl("auth", "can-i", "list", "pods", "--all-namespaces", as)))
        .isEqualTo("no");
  }

  private static String last(Kubectl.Result r) {
    String[] lines = r.output().strip().split("\\n");
    return lines[lines.length - 1].strip();
  }
}
