package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Users (kubectl apply, client-side or server-side as GitOps tools do) and the operator share the
 * pool object: neither may clobber the other's fields.
 */
class FieldOwnershipE2E {
  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void userAppliesNeverClobberStatusOrFinalizerAndTheOperatorKeepsUserFields() throws Exception {
    Path v1 = manifest("owned", 1, "team: virt");
    Tool.Result created = stack.cluster().kubectl("apply", "-f", v1.toString());
    assertThat(created.code()).as(created.output()).isZero();
    E2E.awaitReady(admin, "owned", 1);
    String launchedId = E2E.machines(admin, "owned").getFirst().getStatus().instanceId;

    // Client-side apply of an edited manifest (what `kubectl apply` does by default).
    Path v2 = manifest("owned", 1, "team: virtualization");
    Tool.Result clientSide = stack.cluster().kubectl("apply", "-f", v2.toString());
    assertThat(clientSide.code()).as(clientSide.output()).isZero();
    NestedVirtPool afterClientSide = get("owned");
    assertThat(afterClientSide.getMetadata().getFinalizers()).contains("nestedvirt.io/finalizer");
    assertThat(afterClientSide.getStatus().readyReplicas).isEqualTo(1);
    assertThat(E2E.machines(admin, "owned"))
        .extracting(m -> m.getStatus().instanceId)
        .contains(launchedId);
    assertThat(afterClientSide.getMetadata().getLabels()).containsEntry("team", "virtualization");

    // Server-side apply by another manager (what Argo CD / Flux do), without status or finalizers.
    Path v3 = manifest("owned", 2, "team: virtualization");
    Tool.Result serverSide =
        stack
            .cluster()
            .kubectl(
                "apply",
                "--server-side",
                "--field-manager=gitops",
                "--force-conflicts",
                "-f",
                v3.toString());
    assertThat(serverSide.code()).as(serverSide.output()).isZero();
    NestedVirtPool afterServerSide = E2E.awaitReady(admin, "owned", 2);
    assertThat(afterServerSide.getMetadata().getFinalizers()).contains("nestedvirt.io/finalizer");
    assertThat(afterServerSide.getStatus().readyReplicas).isEqualTo(2);
    assertThat(E2E.machines(admin, "owned"))
        .extracting(m -> m.getStatus().instanceId)
        .contains(launchedId);

    // The operator's writes left every user field as the user set it.
    assertThat(afterServerSide.getMetadata().getLabels()).containsEntry("team", "virtualization");
    assertThat(afterServerSide.getMetadata().getAnnotations())
        .containsEntry("example.com/owner", "platform-team");
    assertThat(afterServerSide.getSpec().replicas).isEqualTo(2);
    assertThat(afterServerSide.getSpec().tags).containsEntry("cost-center", "42");
    assertThat(afterServerSide.getMetadata().getManagedFields())
        .as("status is managed by the operator, spec by the user's tools")
        .anySatisfy(
            f -> {
              assertThat(f.getManager()).isEqualTo("gitops");
              assertThat(f.getFieldsV1().getAdditionalProperties().toString()).contains("f:spec");
            });

    assertThat(stack.cluster().kubectl("delete", "nvp/owned").code()).isZero();
  }

  private Path manifest(String name, int replicas, String label) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
          labels:
            %s
          annotations:
            example.com/owner: platform-team
        spec:
          replicas: %d
          instanceTypes: [m8i.large]
          image: %s
          tags:
            cost-center: "42"
        """
            .formatted(name, label, replicas, stack.moto().imageId));
    return file;
  }

  private NestedVirtPool get(String name) {
    return admin.resources(NestedVirtPool.class).withName(name).get();
  }
}
