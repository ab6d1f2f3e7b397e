package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/**
 * Pod Security admission on a real API server with the namespaces of
 * deploy/nestedvirt-operator.yaml (the rendered chart, applied by the stack): the agent, which
 * opens the host's /dev/kvm from a privileged container, runs in a namespace of its own at the
 * {@code privileged} level; the operator's namespace enforces {@code restricted}, which the
 * operator's pods pass and the agent's would not. Pods are created with a server dry run, so
 * nothing is left behind.
 */
class PodSecurityE2E {
  private final KubernetesClient admin = E2E.stack().cluster().admin;

  @Test
  void theAgentsNamespaceIsPrivilegedAndTheOperatorsRestricted() {
    assertThat(enforced(RealCluster.AGENT_NAMESPACE)).isEqualTo("privileged");
    assertThat(enforced(RealCluster.OPERATOR_NAMESPACE)).isEqualTo("restricted");
  }

  @Test
  void theAgentsPodIsAdmittedInItsOwnNamespace() {
    admin
        .resource(AgentPods.agent(admin, "agent-dry-run", RealCluster.AGENT_NAMESPACE, null))
        .dryRun()
        .create();
  }

  @Test
  void theAgentsPodIsRefusedInTheOperatorsRestrictedNamespace() {
    assertThatThrownBy(
            () ->
                admin
                    .resource(
                        AgentPods.agent(
                            admin, "agent-dry-run", RealCluster.OPERATOR_NAMESPACE, null))
                    .dryRun()
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403))
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"")
        .hasMessageContaining("privileged");
  }

  @Test
  void theOperatorsPodPassesTheRestrictedLevel() {
    admin
        .resource(AgentPods.operator(admin, "operator-dry-run", RealCluster.OPERATOR_NAMESPACE))
        .dryRun()
        .create();
  }

  private String enforced(String namespace) {
    Namespace ns = admin.namespaces().withName(namespace).require();
    return ns.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce");
  }
}
