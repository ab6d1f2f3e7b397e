package io.nestedvirt.sandbox.apiserver;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.List;

/** One resource as discovery announces it: enough for kubectl to map a name to a path. */
record ApiResource(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    /** Groups of resources that {@code kubectl get CATEGORY} lists together. */
    List<String> categories,
    boolean hasStatus,
    boolean hasScale) {

  static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** The built-in kinds the sandbox holds (or a user may reasonably create) in the mock. */
  static final List<ApiResource> BUILT_IN =
      List.of(
          core("namespaces", "namespace", "Namespace", false, List.of("ns"), true),
          core("nodes", "node", "Node", false, List.of("no"), true),
          core("pods", "pod", "Pod", true, List.of("po"), true),
          core("events", "event", "Event", true, List.of("ev"), false),
          core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), false),
          core("secrets", "secret", "Secret", true, List.of(), false),
          core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), false),
          core("services", "service", "Service", true, List.of("svc"), true),
          grouped("apps", "daemonsets", "daemonset", "DaemonSet", true, List.of("ds"), true),
          grouped("apps", "deployments", "deployment", "Deployment", true, List.of("deploy"), true),
          grouped("apps", "replicasets", "replicaset", "ReplicaSet", true, List.of("rs"), true),
          grouped("apps", "statefulsets", "statefulset", "StatefulSet", true, List.of("sts"), true),
          grouped(
              "policy",
              "poddisruptionbudgets",
              "poddisruptionbudget",
              "PodDisruptionBudget",
              true,
              List.of("pdb"),
              true),
          grouped(
              "node.k8s.io",
              "runtimeclasses",
              "runtimeclass",
              "RuntimeClass",
              false,
              List.of(),
              false),
          grouped(
              "scheduling.k8s.io",
              "priorityclasses",
              "priorityclass",
              "PriorityClass",
              false,
              List.of("pc"),
              false),
          new ApiResource(
              "coordination.k8s.io",
              "v1",
              "leases",
              "lease",
              "Lease",
              true,
              List.of(),
              List.of(),
              false,
              false),
          new ApiResource(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "customresourcedefinition",
              "CustomResourceDefinition",
              false,
              List.of("crd", "crds"),
              List.of(),
              true,
              false));

  private static ApiResource core(
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean hasStatus) {
    return new ApiResource(
        "", "v1", plural, singular, kind, namespaced, shortNames, List.of(), hasStatus, false);
  }

  /** A built-in kind of a named group, served at version v1. */
  private static ApiResource grouped(
      String group,
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean hasStatus) {
    return new ApiResource(
        group, "v1", plural, singular, kind, namespaced, shortNames, List.of(), hasStatus, false);
  }

  /** The served versions of a CRD, as a real API server derives them. */
  static List<ApiResource> of(CustomResourceDefinition crd) {
    var spec = crd.getSpec();
    var names = spec.getNames();
    return spec.getVersions().stream()
        .filter(v -> Boolean.TRUE.equals(v.getServed()))
        .map(
            v ->
                new ApiResource(
                    spec.getGroup(),
                    v.getName(),
                    names.getPlural(),
                    names.getSingular(),
                    names.getKind(),
                    "Namespaced".equals(spec.getScope()),
                    names.getShortNames() == null ? List.of() : names.getShortNames(),
                    names.getCategories() == null ? List.of() : names.getCategories(),
                    v.getSubresources() != null && v.getSubresources().getStatus() != null,
                    v.getSubresources() != null && v.getSubresources().getScale() != null))
        .toList();
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }
}
