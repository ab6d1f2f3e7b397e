package io.nestedvirt.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.nestedvirt.operator.MockApiServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generated CRD carries what users rely on: names, scale subresource, descriptions for kubectl
 * explain, and the static validation rules. (The API server enforcing them is proven against a real
 * kube-apiserver; here we check that the schema asks for it.)
 */
class CrdSchemaTest {
  private final CustomResourceDefinition crd = MockApiServer.crd("nestedvirtpools.nestedvirt.io");
  private final CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
  private final JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
  private final JSONSchemaProps spec = root.getProperties().get("spec");

  @Test
  void namesAreTheOnesDocumented() {
    assertThat(crd.getMetadata().getName()).isEqualTo("nestedvirtpools.nestedvirt.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("nvp");
    assertThat(version.getName()).isEqualTo("v1alpha1");
  }

  @Test
  void machinesAreNamedAsDocumentedAndShareThePoolsCategory() {
    CustomResourceDefinition machines = MockApiServer.crd("nestedvirtinstances.nestedvirt.io");
    CustomResourceDefinitionVersion v = machines.getSpec().getVersions().get(0);
    assertThat(machines.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(machines.getSpec().getNames().getKind()).isEqualTo("NestedVirtInstance");
    assertThat(machines.getSpec().getNames().getPlural()).isEqualTo("nestedvirtinstances");
    assertThat(machines.getSpec().getNames().getShortNames()).containsExactly("nvi");
    assertThat(machines.getSpec().getNames().getCategories()).containsExactly("nestedvirt");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("nestedvirt");
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == 0)
        .extracting(c -> c.getName())
        .containsExactlyInAnyOrder("Pool", "Type", "Zone", "Instance", "Node", "Phase", "Age");
    JSONSchemaProps spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getXKubernetesValidations())
        .extracting(ValidationRule::getRule)
        .containsExactly("self == oldSelf");
    assertThat(spec.getRequired())
        .containsExactlyInAnyOrder(
            "instanceType", "subnetId", "zone", "capacityType", "launchSettingsHash");
  }

  @Test
  void theOldStatusFieldsStayInTheSchemaSoAnUpgradeCanReadThem() {
    // The API server prunes fields the schema lacks, also when it reads them from etcd: without
    // these, an upgraded operator would never see the instances it has to adopt.
    assertThat(root.getProperties().get("status").getProperties())
        .containsKeys("instances", "pendingLaunches", "launchSequence", "phaseCounts");
  }

  @Test
  void scaleSubresourceDrivesSpecReplicas() {
    var scale = version.getSubresources().getScale();
    assertThat(scale.getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(scale.getStatusReplicasPath()).isEqualTo(".status.replicas");
    assertThat(scale.getLabelSelectorPath()).isEqualTo(".status.selector");
    assertThat(version.getSubresources().getStatus()).isNotNull();
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() {
    List<String> missing = new ArrayList<>();
    root.getProperties().forEach((name, prop) -> collectUndocumented(name, prop, missing));
    assertThat(missing).as("fields without a description").isEmpty();
  }

  @Test
  void onlyInstanceTypesAreRequiredAndEitherReplicasOrAutoscaling() {
    assertThat(spec.getRequired()).containsExactly("instanceTypes");
    assertThat(spec.getXKubernetesValidations())
        .extracting(r -> r.getRule())
        .containsExactlyInAnyOrder(
            "has(self.replicas) || has(self.autoscaling)",
            "!(has(self.replicas) && has(self.autoscaling))");
  }

  @Test
  void staticRulesAreInTheSchema() {
    Map<String, JSONSchemaProps> p = spec.getProperties();
    assertThat(p.get("replicas").getMinimum()).isEqualTo(0.0);
    assertThat(p.get("instanceTypes").getMinItems()).isEqualTo(1L);
    assertThat(p.get("capacityType").getEnum())
        .extracting(JsonNode::asText)
        .containsExactly("on-demand", "spot", "spot-then-on-demand");
    assertThat(p.get("metadataOptions").getProperties().get("httpTokens").getDefault().asText())
        .isEqualTo("required");
    assertThat(
            p.get("metadataOptions")
                .getProperties()
                .get("httpPutResponseHopLimit")
                .getDefault()
                .asInt())
        .isEqualTo(1);
    assertThat(p.get("rootVolume").getProperties().get("encrypted").getDefault().asBoolean())
        .isTrue();
    assertThat(messages(p.get("instanceTypes")))
        .containsExactlyInAnyOrder(
            "instanceTypes must not repeat a type",
            "bare-metal types need no nested virtualization; use a virtual size such as"
                + " m8i.2xlarge");
    assertThat(messages(p.get("subnets"))).containsExactly("give either ids or tags, not both");
    assertThat(messages(p.get("rootVolume"))).containsExactly("kmsKeyId requires encrypted: true");
    assertThat(messages(p.get("tags"))).hasSize(1);
  }

  private static List<String> messages(JSONSchemaProps props) {
    return props.getXKubernetesValidations().stream().map(ValidationRule::getMessage).toList();
  }

  private static void collectUndocumented(String path, JSONSchemaProps prop, List<String> missing) {
    if (path.equals("metadata") || path.equals("apiVersion") || path.equals("kind")) {
      return;
    }
    if (prop.getDescription() == null || prop.getDescription().isBlank()) {
      missing.add(path);
    }
    if (prop.getProperties() != null) {
      prop.getProperties().forEach((n, p) -> collectUndocumented(path + "." + n, p, missing));
    }
    if (prop.getItems() != null && prop.getItems().getSchema() != null) {
      JSONSchemaProps items = prop.getItems().getSchema();
      if (items.getProperties() != null) {
        items.getProperties().forEach((n, p) -> collectUndocumented(path + "[]." + n, p, missing));
      }
    }
  }
}
