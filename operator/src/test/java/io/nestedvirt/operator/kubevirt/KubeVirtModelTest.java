package io.nestedvirt.operator.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubevirt.v1.KubeVirt;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.VirtualMachineInstanceMigration;
import io.kubevirt.v1.kubevirtspec.configuration.Migrations;
import io.kubevirt.v1.virtualmachineinstancemigrationstatus.PhaseTransitionTimestamps;
import io.kubevirt.v1.virtualmachineinstancestatus.Conditions;
import io.kubevirt.v1.virtualmachineinstancestatus.MigrationState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Java model of KubeVirt's resources, generated at build time from KubeVirt's CRDs pruned to
 * the fields the operator reads (operator/src/main/kubevirt, kubevirt/tools/kept.go), reads
 * complete objects as a KubeVirt v1.9 cluster serves them, through {@link KubeVirtSerialization}:
 * the kept fields are there, every other field is ignored and not held. The fixtures in
 * src/test/resources/kubevirt use only fields of KubeVirt's complete schema (checked below), so
 * they are objects KubeVirt could serve.
 */
class KubeVirtModelTest {
  private final KubernetesSerialization serialization = KubeVirtSerialization.create();

  @Test
  void aCompleteVmiReadsIntoThePrunedModel() {
    VirtualMachineInstance vmi = read("virtualmachineinstance.json", VirtualMachineInstance.class);

    assertThat(vmi.getMetadata().getName()).isEqualTo("fedora-web");
    assertThat(vmi.getMetadata().getNamespace()).isEqualTo("vms");
    assertThat(vmi.getMetadata().getLabels())
        .containsEntry("kubevirt.io/nodeName", "ip-10-0-2-17.ec2.internal");
    assertThat(vmi.getSpec().getEvictionStrategy()).isEqualTo("LiveMigrate");
    assertThat(vmi.getSpec().getDomain().getMemory().getGuest()).isEqualTo(new IntOrString("4Gi"));
    assertThat(vmi.getSpec().getDomain().getResources().getRequests())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("cpu", new IntOrString("500m"), "memory", new IntOrString("4Gi")));

    var status = vmi.getStatus();
    assertThat(status.getNodeName()).isEqualTo("ip-10-0-2-17.ec2.internal");
    assertThat(status.getEvacuationNodeName()).isNull();
    assertThat(status.getPhase()).isEqualTo("Running");
    assertThat(status.getConditions())
        .extracting(Conditions::getType, Conditions::getStatus, Conditions::getReason)
        .containsExactly(
            tuple("Ready", "True", null),
            tuple("LiveMigratable", "False", "DisksNotLiveMigratable"),
            tuple("AgentConnected", "True", null));
    Conditions liveMigratable = status.getConditions().get(1);
    assertThat(liveMigratable.getMessage()).startsWith("cannot migrate VMI: PVC scratch");
    assertThat(liveMigratable.getLastTransitionTime().toInstant())
        .isEqualTo(Instant.parse("2026-07-27T11:05:09Z"));

    MigrationState migration = status.getMigrationState();
    assertThat(migration.getSourceNode()).isEqualTo("ip-10-0-1-42.ec2.internal");
    assertThat(migration.getTargetNode()).isEqualTo("ip-10-0-2-17.ec2.internal");
    assertThat(migration.getCompleted()).isTrue();
    assertThat(migration.getFailed()).isFalse();
    assertThat(migration.getStartTimestamp().toInstant())
        .isEqualTo(Instant.parse("2026-07-27T10:19:02Z"));
    assertThat(migration.getEndTimestamp().toInstant())
        .isEqualTo(Instant.parse("2026-07-27T10:21:43Z"));
    assertThat(migration.getMigrationUid()).isEqualTo("9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a");
  }

  @Test
  void anEvacuatingVmiNamesTheNodeItLeaves() {
    // KubeVirt's eviction webhook marks a VMI this way when it turns an eviction into a migration.
    VirtualMachineInstance vmi =
        serialization.unmarshal(
            """
            {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
             "metadata": {"name": "fedora-web", "namespace": "vms"},
             "spec": {"domain": {"devices": {}}},
             "status": {"evacuationNodeName": "ip-10-0-1-42.ec2.internal",
                        "nodeName": "ip-10-0-1-42.ec2.internal"}}
            """,
            VirtualMachineInstance.class);

    assertThat(vmi.getStatus().getEvacuationNodeName()).isEqualTo("ip-10-0-1-42.ec2.internal");
  }

  @Test
  void oddValuesAreReadLenientlyOrDroppedNeverFatal() {
    // fabric8 stops a watch at the first object it cannot read: one odd VMI must not blind the
    // operator to every VM. Fractional seconds are valid RFC 3339, the generated pattern is not.
    VirtualMachineInstance vmi =
        serialization.unmarshal(
            """
            {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
             "metadata": {"name": "odd", "namespace": "vms"},
             "status": {"nodeName": "n1",
                        "migrationState": {"startTimestamp": "2026-11-30T10:00:00.123456789Z",
                                           "endTimestamp": "yesterday",
                                           "completed": true},
                        "conditions": [{"type": "LiveMigratable", "status": "True",
                                        "lastTransitionTime": "2026-11-30T10:00:00.5+01:00"}]}}
            """,
            VirtualMachineInstance.class);

    var state = vmi.getStatus().getMigrationState();
    assertThat(state.getStartTimestamp().toInstant())
        .isEqualTo(java.time.Instant.parse("2026-11-30T10:00:00.123456789Z"));
    assertThat(state.getEndTimestamp()).as("not a date: dropped").isNull();
    assertThat(state.getCompleted()).isTrue();
    assertThat(vmi.getStatus().getConditions().getFirst().getLastTransitionTime().toInstant())
        .isEqualTo(java.time.Instant.parse("2026-11-30T09:00:00.5Z"));
    assertThat(vmi.getStatus().getNodeName()).isEqualTo("n1");

    VirtualMachineInstance misshapen =
        serialization.unmarshal(
            """
            {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
             "metadata": {"name": "odd", "namespace": "vms"},
             "status": {"conditions": "broken", "migrationState": [1, 2], "nodeName": "n1"}}
            """,
            VirtualMachineInstance.class);
    assertThat(misshapen.getStatus().getConditions()).isNullOrEmpty();
    assertThat(misshapen.getStatus().getMigrationState()).isNull();
    assertThat(misshapen.getStatus().getNodeName()).isEqualTo("n1");
  }

  @Test
  void aMigrationReadsIntoThePrunedModel() {
    VirtualMachineInstanceMigration migration =
        read("virtualmachineinstancemigration.json", VirtualMachineInstanceMigration.class);

    assertThat(migration.getMetadata().getName()).isEqualTo("kubevirt-evacuation-2v8xq");
    assertThat(migration.getSpec().getVmiName()).isEqualTo("fedora-web");
    assertThat(migration.getStatus().getPhase()).isEqualTo("Succeeded");
    List<PhaseTransitionTimestamps> transitions =
        migration.getStatus().getPhaseTransitionTimestamps();
    assertThat(transitions).hasSize(7);
    assertThat(transitions.getLast().getPhase()).isEqualTo("Succeeded");
    assertThat(transitions.getLast().getPhaseTransitionTimestamp().toInstant())
        .isEqualTo(Instant.parse("2026-07-27T10:21:43Z"));
  }

  @Test
  void theKubeVirtCrReadsIntoThePrunedModel() {
    KubeVirt kubeVirt = read("kubevirt.json", KubeVirt.class);

    assertThat(kubeVirt.getSpec().getConfiguration().getEvictionStrategy())
        .isEqualTo("LiveMigrate");
    Migrations migrations = kubeVirt.getSpec().getConfiguration().getMigrations();
    assertThat(migrations.getParallelMigrationsPerCluster()).isEqualTo(6);
    assertThat(migrations.getParallelOutboundMigrationsPerNode()).isEqualTo(3);
    assertThat(migrations.getCompletionTimeoutPerGiB()).isEqualTo(120L);
    assertThat(migrations.getProgressTimeout()).isEqualTo(300L);
  }

  @Test
  void thePrunedModelHoldsNoDroppedField() {
    // What the informer cache keeps of each VMI: written back, the model has only kept fields.
    String held =
        serialization.asJson(read("virtualmachineinstance.json", VirtualMachineInstance.class));

    assertThat(held)
        .contains("\"evictionStrategy\"", "\"migrationState\"", "\"requests\"")
        .doesNotContain(
            "\"devices\"",
            "\"volumes\"",
            "\"guestOSInfo\"",
            "\"volumeStatus\"",
            "\"lastProbeTime\"",
            "\"migrationConfiguration\"",
            "\"limits\"");
  }

  @Test
  void fabric8sDefaultSerializationCannotReadAVmiIntoThePrunedModel() {
    // Why KubeVirtSerialization exists: should fabric8 start ignoring undeclared fields by
    // default, this fails and KubeVirtSerialization can go.
    assertThatThrownBy(
            () ->
                readWith(
                    new KubernetesSerialization(),
                    "virtualmachineinstance.json",
                    VirtualMachineInstance.class))
        .hasRootCauseInstanceOf(UnrecognizedPropertyException.class);
  }

  @Test
  void classesOutsideTheKubeVirtModelStillRejectUndeclaredFields() {
    assertThatThrownBy(
            () -> serialization.unmarshal("{\"name\": \"a\", \"typo\": 1}", Strict.class))
        .hasRootCauseInstanceOf(UnrecognizedPropertyException.class);
  }

  /** A class of ours, outside the KubeVirt model. */
  static final class Strict {
    public String name;
  }

  @ParameterizedTest
  @CsvSource({
    "VirtualMachineInstance, virtualmachineinstances",
    "VirtualMachineInstanceMigration, virtualmachineinstancemigrations",
    "KubeVirt, kubevirts"
  })
  void theModelAddressesKubeVirtsResources(String kind, String plural) throws Exception {
    Class<? extends HasMetadata> type =
        Class.forName("io.kubevirt.v1." + kind).asSubclass(HasMetadata.class);

    assertThat(HasMetadata.getApiVersion(type)).isEqualTo("kubevirt.io/v1");
    assertThat(HasMetadata.getKind(type)).isEqualTo(kind);
    assertThat(HasMetadata.getPlural(type)).isEqualTo(plural);
    CustomResourceDefinition crd = completeCrd(plural);
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(kind);
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
  }

  @ParameterizedTest
  @CsvSource({
    "virtualmachineinstance.json, virtualmachineinstances",
    "virtualmachineinstancemigration.json, virtualmachineinstancemigrations",
    "kubevirt.json, kubevirts"
  })
  void theFixturesUseOnlyFieldsOfKubeVirtsSchema(String fixture, String plural) {
    JSONSchemaProps schema =
        completeCrd(plural).getSpec().getVersions().stream()
            .filter(version -> version.getStorage())
            .findFirst()
            .orElseThrow()
            .getSchema()
            .getOpenAPIV3Schema();
    List<String> unknown = new ArrayList<>();
    unknownFields(schema, read(fixture, Object.class), "", unknown);

    assertThat(unknown)
        .as("fields of %s that KubeVirt's %s schema does not have", fixture, plural)
        .isEmpty();
  }

  /** Collects the paths of value that the schema does not declare. */
  private static void unknownFields(
      JSONSchemaProps schema, Object value, String path, List<String> unknown) {
    if (Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields())) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      if (path.equals(".metadata")) {
        return; // ObjectMeta: the API server's, not in the CRD
      }
      for (var entry : map.entrySet()) {
        String name = String.valueOf(entry.getKey());
        JSONSchemaProps property =
            schema.getProperties() != null ? schema.getProperties().get(name) : null;
        if (property == null && schema.getAdditionalProperties() != null) {
          property = schema.getAdditionalProperties().getSchema();
        }
        if (property == null) {
          unknown.add(path + "." + name);
        } else {
          unknownFields(property, entry.getValue(), path + "." + name, unknown);
        }
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        unknownFields(schema.getItems().getSchema(), item, path + "[]", unknown);
      }
    }
  }

  private static CustomResourceDefinition completeCrd(String plural) {
    return KubeVirtCrdFiles.complete(plural);
  }

  private <T> T read(String fixture, Class<T> type) {
    return readWith(serialization, fixture, type);
  }

  private static <T> T readWith(
      KubernetesSerialization serialization, String fixture, Class<T> type) {
    try (InputStream in = KubeVirtModelTest.class.getResourceAsStream("/kubevirt/" + fixture)) {
      assertThat(in).as("test resource kubevirt/%s", fixture).isNotNull();
      return serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
