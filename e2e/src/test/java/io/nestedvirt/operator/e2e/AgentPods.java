package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Pods made from the pod templates of the chart's workloads, as the stack applied them. */
final class AgentPods {
  private AgentPods() {}

  /** A pod of the agent DaemonSet's template, in the namespace given, bound to a node if any. */
  static Pod agent(KubernetesClient admin, String name, String namespace, String node) {
    return pod(
        admin
            .apps()
            .daemonSets()
            .inNamespace(RealCluster.AGENT_NAMESPACE)
            .withName("nestedvirt-agent")
            .require()
            .getSpec()
            .getTemplate(),
        name,
        namespace,
        node);
  }

  /** A pod of the operator Deployment's template, in the namespace given. */
  static Pod operator(KubernetesClient admin, String name, String namespace) {
    return pod(
        admin
            .apps()
            .deployments()
            .inNamespace(RealCluster.OPERATOR_NAMESPACE)
            .withName("nestedvirt-operator")
            .require()
            .getSpec()
            .getTemplate(),
        name,
        namespace,
        null);
  }

  private static Pod pod(PodTemplateSpec template, String name, String namespace, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(template.getMetadata().getLabels())
        .endMetadata()
        .withSpec(template.getSpec())
        .editSpec()
        .withNodeName(node)
        .endSpec()
        .build();
  }
}
