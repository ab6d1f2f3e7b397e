package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An operator older than its CRD, as after rolling the operator back past a CRD upgrade: the
 * stack's CRD is replaced by a newer one (an extra {@code spec.consolidation}, and {@code
 * spec.userData} changed from a string to an object), pools are applied using both, and the running
 * operator, which knows neither, reconciles the pool with the extra field to Ready and reports and
 * skips the one it cannot read, without stopping. The CRD is restored afterwards.
 */
class NewerCrdE2E {
  private static final String CRD = "nestedvirtpools.nestedvirt.io";

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;
  private final KubernetesSerialization json = new KubernetesSerialization();

  @Test
  void anOperatorOlderThanItsCrdReconcilesWhatItCanReadAndSkipsTheRest() throws Exception {
    var crds = admin.apiextensions().v1().customResourceDefinitions();
    CustomResourceDefinitionSpec original = json.clone(crds.withName(CRD).get().getSpec());
    try {
      crds.withName(CRD).edit(NewerCrdE2E::newer);

      apply(
          "newer-field",
          """
          consolidation: {after: 5m}
          """);
      apply(
          "newer-type",
          """
          userData: {format: cloud-config, parts: [{path: /etc/motd}]}
          """);

      NestedVirtPool ready = E2E.awaitReady(admin, "newer-field", 1);
      assertThat(ready.getSpec().replicas).isEqualTo(1);
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  admin.v1().events().inNamespace("default").list().getItems().stream()
                      .anyMatch(
                          e ->
                              "newer-type".equals(e.getInvolvedObject().getName())
                                  && "Unreadable".equals(e.getReason())
                                  && e.getMessage().contains("spec.userData")));
      OperatorProcess leader = E2E.leader();
      assertThat(leader.scrape().sum("nestedvirt_unreadable_objects", "kind", "NestedVirtPool"))
          .isEqualTo(1);
      assertThat(E2E.machines(admin, "newer-type")).as("an unreadable pool is skipped").isEmpty();
      assertThat(stack.moto().instances("newer-type", "pending", "running")).isEmpty();
      assertThat(leader.isAlive()).as("one unreadable pool does not stop the operator").isTrue();
      assertThat(leader.logText()).doesNotContain("Fatal error in informer");
    } finally {
      stack.cluster().kubectl("delete", "nvp", "newer-field", "newer-type", "--ignore-not-found");
      await()
          .atMost(Duration.ofMinutes(3))
          .until(
              () ->
                  admin.resources(NestedVirtPool.class).withName("newer-field").get() == null
                      && admin.resources(NestedVirtPool.class).withName("newer-type").get()
                          == null);
      crds.withName(CRD)
          .edit(
              c -> {
                c.setSpec(original);
                return c;
              });
    }
  }

  /** Our CRD as a later version might have it. */
  private static CustomResourceDefinition newer(CustomResourceDefinition crd) {
    for (var version : crd.getSpec().getVersions()) {
      JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
      spec.getProperties()
          .put(
              "consolidation",
              new JSONSchemaPropsBuilder()
                  .withType("object")
                  .addToProperties("after", new JSONSchemaPropsBuilder().withType("string").build())
                  .build());
      spec.getProperties()
          .put(
              "userData",
              new JSONSchemaPropsBuilder()
                  .withType("object")
                  .withXKubernetesPreserveUnknownFields(true)
                  .build());
    }
    return crd;
  }

  /**
   * {@code kubectl apply} of a pool of one with {@code extra} in its spec; retried while the API
   * server still validates with the CRD it had before (it takes up a new schema within moments).
   */
  private void apply(String name, String extra) throws Exception {
    Path manifest = Files.createTempFile(name, ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
        spec:
          replicas: 1
          instanceTypes: [m8i.large]
          image: %s
        """
                .formatted(name, stack.moto().imageId)
            + extra.indent(2));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> stack.cluster().kubectl("apply", "-f", manifest.toString()).code() == 0);
  }
}
