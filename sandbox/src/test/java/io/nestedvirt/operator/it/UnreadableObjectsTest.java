package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One object never stops the operator: with a newer CRD installed under it (one whose spec keeps
 * whatever it is given), a pool with a field this version does not know is reconciled as usual, and
 * one whose spec it cannot map is reported and skipped while the others become Ready.
 */
class UnreadableObjectsTest {
  private final OperatorTestbed bed = new OperatorTestbed();
  private final KubernetesSerialization json = new KubernetesSerialization();

  @AfterEach
  void close() {
    bed.close();
  }

  /** A later version of {@code name}'s CRD, as far as this version knows: any spec at all. */
  private void installNewerCrd(String name) {
    CustomResourceDefinition crd = EmbeddedApiServer.crd(name);
    JSONSchemaProps spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    spec.setProperties(null);
    spec.setRequired(null);
    spec.setXKubernetesValidations(null);
    spec.setXKubernetesPreserveUnknownFields(true);
    // A newer CRD in which spec.replicas is an object has no /scale on that path either (the API
    // server would refuse every such pool as a bad replica count).
    crd.getSpec().getVersions().get(0).getSubresources().setScale(null);
    bed.api.upgradeCrd(crd);
  }

  @Test
  void aPoolWithAnUnknownFieldIsReconciledAndAnUnreadableOneIsReportedAndSkipped() {
    installNewerCrd("nestedvirtpools.nestedvirt.io");
    bed.startOperator();
    apply(
        """
        {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtPool",
         "metadata":{"name":"newer"},
         "spec":{"replicas":1,"instanceTypes":["m8i.large"],"consolidation":{"after":"5m"}}}
        """);
    apply(
        """
        {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtPool",
         "metadata":{"name":"changed"},
         "spec":{"replicas":{"min":1},"instanceTypes":["m8i.large"]}}
        """);
    bed.createPool("plain", 1, "m8i.large");

    bed.awaitReady("newer", 1);
    bed.awaitReady("plain", 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.events("changed").stream()
                    .anyMatch(
                        e ->
                            "Unreadable".equals(e.getReason())
                                && e.getMessage().contains("spec.replicas")));
    assertThat(bed.metrics.scrape())
        .contains("nestedvirt_unreadable_objects{kind=\"NestedVirtPool\"} 1.0");
    assertThat(bed.liveInstances("changed"))
        .as("a pool that cannot be read launches nothing")
        .isEmpty();
    assertThat(bed.machines("changed")).isEmpty();

    // Fixed, it is read again and reconciled like any other.
    apply(
        """
        {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtPool",
         "metadata":{"name":"changed"},
         "spec":{"replicas":1,"instanceTypes":["m8i.large"]}}
        """);
    bed.awaitReady("changed", 1);
    assertThat(bed.metrics.scrape())
        .contains("nestedvirt_unreadable_objects{kind=\"NestedVirtPool\"} 0.0");
  }

  @Test
  void aMachineThisVersionCannotReadIsLeftAloneAndHoldsItsPoolsScaling() {
    installNewerCrd("nestedvirtinstances.nestedvirt.io");
    bed.startOperator();
    String poolUid = bed.createPool("held", 1, "m8i.large").getMetadata().getUid();
    bed.awaitReady("held", 1);

    bed.client()
        .genericKubernetesResources("nestedvirt.io/v1alpha1", "NestedVirtInstance")
        .resource(
            json.unmarshal(
                """
                {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtInstance",
                 "metadata":{"name":"held-newer","labels":{"nestedvirt.io/pool":"held"},
                   "ownerReferences":[{"apiVersion":"nestedvirt.io/v1alpha1",
                     "kind":"NestedVirtPool","name":"held","uid":"%s","controller":true}]},
                 "spec":{"instanceType":{"family":"m8i","size":"large"},
                         "subnetId":"subnet-1","zone":"us-east-1a","capacityType":"on-demand",
                         "launchSettingsHash":"0123456789abcdef"}}
                """
                    .formatted(poolUid),
                GenericKubernetesResource.class))
        .create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.client().v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "held-newer".equals(e.getInvolvedObject().getName())
                                && "Unreadable".equals(e.getReason())
                                && e.getMessage().contains("spec.instanceType")));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(bed.condition("held", "Scaled"))
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.reason).isEqualTo("UnreadableMachine");
                          assertThat(c.message).contains("held-newer");
                        }));
    assertThat(bed.metrics.scrape())
        .contains("nestedvirt_unreadable_objects{kind=\"NestedVirtInstance\"} 1.0");
    assertThat(bed.liveInstances("held"))
        .as("the readable machine keeps its instance; nothing is launched for the other")
        .hasSize(1);
  }

  private void apply(String pool) {
    bed.client()
        .genericKubernetesResources("nestedvirt.io/v1alpha1", "NestedVirtPool")
        .resource(json.unmarshal(pool, GenericKubernetesResource.class))
        .createOr(existing -> existing.update());
  }
}
