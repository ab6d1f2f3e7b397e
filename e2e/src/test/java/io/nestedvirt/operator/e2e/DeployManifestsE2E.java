package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

/**
 * The manifests in deploy/ are accepted by a real API server, with the permissions they claim. The
 * stack applies deploy/nestedvirt-operator.yaml (the rendered chart) server-side before any test;
 * the operator of every E2E test runs as its ServiceAccount.
 */
class DeployManifestsE2E {
  private final RealCluster cluster = E2E.stack().cluster();

  @Test
  void theRenderedChartIsStoredAsApplied() {
    Deployment operator =
        cluster
            .admin
            .apps()
            .deployments()
            .inNamespace(RealCluster.OPERATOR_NAMESPACE)
            .withName("nestedvirt-operator")
            .get();
    assertThat(operator).as("the chart's Deployment was applied").isNotNull();
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    var pod = operator.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(RealCluster.OPERATOR_ACCOUNT);
    assertThat(pod.getContainers().getFirst().getArgs())
        .startsWith("run", "--cluster-name=my-cluster", "--region=us-east-1");
    DaemonSet agent =
        cluster
            .admin
            .apps()
            .daemonSets()
            .inNamespace(RealCluster.AGENT_NAMESPACE)
            .withName("nestedvirt-agent")
            .get();
    assertThat(agent).as("the chart's agent DaemonSet was applied").isNotNull();
    assertThat(
            cluster
                .admin
                .services()
                .inNamespace(RealCluster.OPERATOR_NAMESPACE)
                .withName("nestedvirt-operator-metrics")
                .get())
        .isNotNull();
  }

  @Test
  void theExamplesWhoseKindsThisClusterKnowsPassServerSideValidation() {
    String repo = cluster.env.repo().toString();
    // The pools (top level) and Kata's pod, and the autoscaling example (its pool without
    // replicas, kata-deploy's RuntimeClass as kata-deploy ships it, the virt-launcher-shaped pod
    // whose devices have limits). KubeVirt's
    // and Argo CD's kinds need their CRDs, which this cluster does not have; KubeconformE2E checks
    // those files.
    for (String file :
        new String[] {
          "deploy/examples",
          "deploy/examples/autoscaling/pool.yaml",
          "deploy/examples/autoscaling/kata-runtimeclass.yaml",
          "deploy/examples/autoscaling/vm-pod.yaml"
        }) {
      Tool.Result r = cluster.kubectl("apply", "--dry-run=server", "-f", repo + "/" + file);
      assertThat(r.code()).as("%s: %s", file, r.output()).isZero();
    }
    // The pods name kata-deploy's RuntimeClass, which admission checks: create the stand-in of
    // the one kata-deploy ships for real first (the Kata example defines none of its own).
    Tool.Result rc =
        cluster.kubectl(
            "apply", "-f", repo + "/deploy/examples/autoscaling/kata-runtimeclass.yaml");
    assertThat(rc.code()).as(rc.output()).isZero();
    for (String file :
        new String[] {
          "deploy/examples/kata/pod.yaml", "deploy/examples/autoscaling/kata-pod.yaml"
        }) {
      Tool.Result pod = cluster.kubectl("apply", "--dry-run=server", "-f", repo + "/" + file);
      assertThat(pod.code()).as("%s: %s", file, pod.output()).isZero();
    }
    cluster.kubectl("delete", "-f", repo + "/deploy/examples/autoscaling/kata-runtimeclass.yaml");
  }

  @Test
  void theAgentMayPatchNodeStatusAndNothingElse() {
    String as = "--as=" + RealCluster.AGENT_USER;
    assertThat(last(cluster.kubectl("auth", "can-i", "patch", "nodes", "--subresource=status", as)))
        .isEqualTo("yes");
    assertThat(
            last(cluster.kubectl("auth", "can-i", "update", "nodes", "--subresource=status", as)))
        .as("the agent patches its condition; it never PUTs the whole status")
        .isEqualTo("no");
    assertThat(last(cluster.kubectl("auth", "can-i", "get", "nodes", as))).isEqualTo("yes");
    assertThat(last(cluster.kubectl("auth", "can-i", "update", "nodes", as))).isEqualTo("no");
    assertThat(last(cluster.kubectl("auth", "can-i", "list", "secrets", "--all-namespaces", as)))
        .isEqualTo("no");
    assertThat(last(cluster.kubectl("auth", "can-i", "list", "pods", "--all-namespaces", as)))
        .isEqualTo("no");
  }

  private static String last(Tool.Result r) {
    String[] lines = r.output().strip().split("\\n");
    return lines[lines.length - 1].strip();
  }
}
