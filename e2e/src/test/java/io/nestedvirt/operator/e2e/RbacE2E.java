package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator's ServiceAccount (the chart's RBAC, applied from deploy/nestedvirt-operator.yaml)
 * may do what the operator needs and nothing that it must not. (That it is enough is proven by the
 * other E2E tests, in which the operator runs as this account.)
 */
class RbacE2E {
  private static final String AS =
      "--as=system:serviceaccount:"
          + RealCluster.OPERATOR_NAMESPACE
          + ":"
          + RealCluster.OPERATOR_ACCOUNT;

  @ParameterizedTest(name = "can {0} {1}")
  @CsvSource({
    "list, nestedvirtpools.nestedvirt.io",
    "watch, nestedvirtpools.nestedvirt.io",
    "patch, nestedvirtpools.nestedvirt.io",
    "update, nestedvirtpools.nestedvirt.io/status",
    "watch, nestedvirtinstances.nestedvirt.io",
    "create, nestedvirtinstances.nestedvirt.io",
    "delete, nestedvirtinstances.nestedvirt.io",
    "update, nestedvirtinstances.nestedvirt.io",
    "create, events",
    "patch, events",
    "update, nodes",
    "delete, nodes",
    "list, pods",
    "watch, pods",
    "watch, daemonsets.apps",
    "create, pods/eviction",
    "list, poddisruptionbudgets.policy",
    "patch, nestedvirtinstances.nestedvirt.io",
    "list, volumeattachments.storage.k8s.io",
    "watch, volumeattachments.storage.k8s.io",
    "watch, virtualmachineinstances.kubevirt.io",
    "watch, virtualmachineinstancemigrations.kubevirt.io",
    "list, kubevirts.kubevirt.io",
  })
  void operatorMay(String verb, String resource) {
    // kubectl names a subresource with a flag: pods/eviction is pods --subresource=eviction.
    String[] parts = resource.split("/", 2);
    Tool.Result r =
        parts.length == 2 && !resource.contains(".")
            ? E2E.stack()
                .cluster()
                .kubectl("auth", "can-i", verb, parts[0], "--subresource=" + parts[1], AS)
            : E2E.stack().cluster().kubectl("auth", "can-i", verb, resource, AS);
    assertThat(answer(r)).as("%s %s", verb, resource).isEqualTo("yes");
  }

  @ParameterizedTest(name = "can {0} secrets in kube-system (bootstrap tokens)")
  @CsvSource({"create", "list", "watch", "delete"})
  void operatorMayKeepBootstrapTokensInKubeSystem(String verb) {
    Tool.Result r =
        E2E.stack().cluster().kubectl("auth", "can-i", verb, "secrets", "-n=kube-system", AS);
    assertThat(answer(r)).as("%s secrets in kube-system", verb).isEqualTo("yes");
  }

  @ParameterizedTest(name = "can {0} leases {1} in its own namespace")
  @CsvSource({
    "get, nestedvirt-operator",
    "update, nestedvirt-operator",
    "patch, nestedvirt-operator",
    "create, ''"
  })
  void operatorMayHoldItsLeaseInItsOwnNamespace(String verb, String name) {
    String lease =
        name.isEmpty() ? "leases.coordination.k8s.io" : "leases.coordination.k8s.io/" + name;
    Tool.Result own =
        E2E.stack()
            .cluster()
            .kubectl("auth", "can-i", verb, lease, "-n=" + RealCluster.OPERATOR_NAMESPACE, AS);
    assertThat(answer(own)).as("%s %s", verb, lease).isEqualTo("yes");
  }

  @ParameterizedTest(name = "cannot {0} {1}")
  @CsvSource({
    "list, secrets, --all-namespaces",
    "get, secrets, -n=kube-system",
    "update, secrets, -n=kube-system",
    "patch, secrets, -n=kube-system",
    "list, secrets, -n=nestedvirt-system",
    "get, secrets, -n=nestedvirt-system",
    "create, secrets, -n=default",
    "create, leases.coordination.k8s.io, -n=kube-system",
    "update, leases.coordination.k8s.io/kube-controller-manager, -n=kube-system",
    "update, leases.coordination.k8s.io/other, -n=nestedvirt-system",
    "delete, leases.coordination.k8s.io/nestedvirt-operator, -n=nestedvirt-system",
    "create, nestedvirtpools.nestedvirt.io, --all-namespaces",
    "delete, nestedvirtpools.nestedvirt.io, --all-namespaces",
    "create, pods, -n=default",
    "update, daemonsets.apps, --all-namespaces",
    "delete, namespaces, --all-namespaces",
    "create, clusterrolebindings.rbac.authorization.k8s.io, --all-namespaces",
    "escalate, clusterroles.rbac.authorization.k8s.io, --all-namespaces",
    "update, customresourcedefinitions.apiextensions.k8s.io, --all-namespaces",
    "patch, virtualmachineinstances.kubevirt.io, --all-namespaces",
    "create, virtualmachineinstancemigrations.kubevirt.io, --all-namespaces",
  })
  void operatorMayNot(String verb, String resource, String scope) {
    Tool.Result r = E2E.stack().cluster().kubectl("auth", "can-i", verb, resource, scope, AS);
    assertThat(answer(r)).as("%s %s %s", verb, resource, scope).isEqualTo("no");
  }

  /** The last line; kubectl may print warnings (cluster-scoped resource) before it. */
  private static String answer(Tool.Result r) {
    String[] lines = r.output().strip().split("\n");
    return lines[lines.length - 1].strip();
  }
}
