package io.nestedvirt.operator.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The complete CRDs in kubevirt/crds carry the envelope that KubeVirt v1.9's virt-operator gives
 * them (crds.go), as kubevirt/tools reads it: a misreading of KubeVirt's sources fails here. That
 * they are current is KubeVirtCrdsE2E's job (it needs Go).
 */
class KubeVirtCrdsTest {

  @Test
  void theVmiCrdHasNoStatusSubresource() {
    CustomResourceDefinition crd = crd("virtualmachineinstances");

    assertNames(crd, "VirtualMachineInstance", "virtualmachineinstance", List.of("vmi", "vmis"));
    assertThat(crd.getMetadata().getLabels()).isEqualTo(Map.of("kubevirt.io", ""));
    assertVersions(crd);
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      assertThat(version.getSubresources())
          .as("virt-handler writes a VMI's status with the object")
          .isNull();
      assertThat(version.getAdditionalPrinterColumns())
          .extracting(CustomResourceColumnDefinition::getName)
          .containsExactly("Age", "Phase", "IP", "NodeName", "Ready", "Live-Migratable", "Paused");
    }
  }

  @Test
  void theMigrationCrdHasAStatusSubresource() {
    CustomResourceDefinition crd = crd("virtualmachineinstancemigrations");

    assertNames(
        crd,
        "VirtualMachineInstanceMigration",
        "virtualmachineinstancemigration",
        List.of("vmim", "vmims"));
    assertThat(crd.getMetadata().getLabels()).isEqualTo(Map.of("kubevirt.io", ""));
    assertVersions(crd);
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      assertThat(version.getSubresources().getStatus()).isNotNull();
      assertThat(version.getAdditionalPrinterColumns())
          .extracting(
              CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
          .containsExactly(tuple("Phase", ".status.phase"), tuple("VMI", ".spec.vmiName"));
    }
  }

  @Test
  void theKubeVirtCrdHasAStatusSubresourceAndTheOperatorsLabel() {
    CustomResourceDefinition crd = crd("kubevirts");

    assertNames(crd, "KubeVirt", "kubevirt", List.of("kv", "kvs"));
    assertThat(crd.getMetadata().getLabels()).isEqualTo(Map.of("operator.kubevirt.io", ""));
    assertVersions(crd);
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      assertThat(version.getSubresources().getStatus()).isNotNull();
    }
  }

  private static void assertNames(
      CustomResourceDefinition crd, String kind, String singular, List<String> shortNames) {
    var names = crd.getSpec().getNames();
    assertThat(crd.getSpec().getGroup()).isEqualTo("kubevirt.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(names.getKind()).isEqualTo(kind);
    assertThat(names.getSingular()).isEqualTo(singular);
    assertThat(crd.getMetadata().getName()).isEqualTo(names.getPlural() + ".kubevirt.io");
    assertThat(names.getShortNames()).isEqualTo(shortNames);
    assertThat(names.getCategories()).containsExactly("all");
  }

  /** v1 served and stored; v1alpha3 served, deprecated; both with KubeVirt's whole schema. */
  private static void assertVersions(CustomResourceDefinition crd) {
    List<CustomResourceDefinitionVersion> versions = crd.getSpec().getVersions();
    assertThat(versions)
        .extracting(
            CustomResourceDefinitionVersion::getName,
            CustomResourceDefinitionVersion::getServed,
            CustomResourceDefinitionVersion::getStorage,
            CustomResourceDefinitionVersion::getDeprecated)
        .containsExactly(tuple("v1", true, true, null), tuple("v1alpha3", true, false, true));
    assertThat(versions.get(1).getDeprecationWarning())
        .isEqualTo(
            "kubevirt.io/v1alpha3 is now deprecated and will be removed in a future release.");
    for (CustomResourceDefinitionVersion version : versions) {
      assertThat(version.getSchema().getOpenAPIV3Schema().getProperties())
          .containsKeys("apiVersion", "kind", "metadata", "spec");
    }
  }

  private static CustomResourceDefinition crd(String plural) {
    return KubeVirtCrdFiles.complete(plural);
  }
}
