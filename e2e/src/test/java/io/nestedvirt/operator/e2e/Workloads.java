package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Namespaces, nodes, ReplicaSets, budgets and pods as the drain tests create them. */
final class Workloads {
  private Workloads() {}

  /**
   * A namespace with its default ServiceAccount, which the ServiceAccount admission plugin wants
   * for every pod (the serviceaccount controller that would create it is not running).
   */
  static String namespace(KubernetesClient admin, String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace(name)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build())
        .create();
    return name;
  }

  static String node(KubernetesClient admin, String name) {
    admin
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /**
   * A Node labelled as a machine of {@code pool} that reports Ready with the allocatable memory and
   * CPU of an m8i.large, as the kubelet simulator's do (for tests that run without the operator).
   */
  static String readyNode(KubernetesClient admin, String name, String pool) {
    admin
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(io.nestedvirt.operator.api.v1alpha1.NestedVirtPool.POOL_LABEL, pool)
                .endMetadata()
                .build())
        .create();
    admin
        .nodes()
        .withName(name)
        .editStatus(
            n ->
                new NodeBuilder(n)
                    .withNewStatus()
                    .addToAllocatable("memory", new io.fabric8.kubernetes.api.model.Quantity("6Gi"))
                    .addToAllocatable("cpu", new io.fabric8.kubernetes.api.model.Quantity("1930m"))
                    .addToAllocatable("pods", new io.fabric8.kubernetes.api.model.Quantity("110"))
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .withReason("KubeletReady")
                    .withLastTransitionTime(java.time.Instant.now().toString())
                    .endCondition()
                    .endStatus()
                    .build());
    return name;
  }

  static ReplicaSet replicaSet(String ns, String app, int replicas) {
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(app)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", app)
        .endSelector()
        .withTemplate(template(app))
        .endSpec()
        .build();
  }

  static DaemonSet daemonSet(String ns, String app) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(app)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", app)
        .endSelector()
        .withTemplate(template(app))
        .endSpec()
        .build();
  }

  /** One pause container labelled app=<app>: the controllers here never run it. */
  private static PodTemplateSpec template(String app) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .withImage("registry.k8s.io/pause:3.10")
        .endContainer()
        .endSpec()
        .build();
  }

  static PodDisruptionBudget budget(
      String ns,
      String app,
      java.util.function.UnaryOperator<
              io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpecBuilder>
          limit) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(app)
        .endMetadata()
        .withSpec(
            limit
                .apply(
                    new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpecBuilder()
                        .withNewSelector()
                        .addToMatchLabels("app", app)
                        .endSelector())
                .build())
        .build();
  }

  /**
   * A pod bound to {@code node} (as the scheduler would), controlled by {@code owner} when given,
   * with the owner's app label.
   */
  static Pod pod(String ns, String name, String node, HasMetadata owner) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .withAutomountServiceAccountToken(false)
            .addNewContainer()
            .withName("main")
            .withImage("registry.k8s.io/pause:3.10")
            .endContainer()
            .endSpec();
    if (owner != null) {
      pod.editMetadata()
          .addToLabels("app", owner.getMetadata().getName())
          .addToOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion(owner.getApiVersion())
                  .withKind(owner.getKind())
                  .withName(owner.getMetadata().getName())
                  .withUid(owner.getMetadata().getUid())
                  .withController(true)
                  .withBlockOwnerDeletion(true)
                  .build())
          .endMetadata();
    }
    return pod.build();
  }
}
