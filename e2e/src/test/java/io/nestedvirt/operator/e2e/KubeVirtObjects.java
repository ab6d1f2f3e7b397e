package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KubeVirt's API on the tier's real API server: its CRDs (generated from KubeVirt's own Go module
 * into {@code kubevirt/crds/}, see e2e/README.md), one {@code KubeVirt} CR that tests patch, and
 * the names KubeVirt gives its labels and annotations (kubevirt.io/api core/v1). No KubeVirt
 * component runs: {@link VirtApiEvictionStandIn} and {@link MigrationControllerStandIn} play the
 * parts the drain meets. Objects are handled unstructured (fabric8's GenericKubernetesResource).
 */
final class KubeVirtObjects {
  /** Where the generated CRDs are, relative to the repository. */
  static final List<String> CRD_FILES =
      List.of(
          "kubevirt/crds/virtualmachineinstances.kubevirt.io.yaml",
          "kubevirt/crds/virtualmachineinstancemigrations.kubevirt.io.yaml",
          "kubevirt/crds/kubevirts.kubevirt.io.yaml");

  static final String NAMESPACE = "kubevirt";
  static final String NAME = "kubevirt";

  // kubevirt.io/api core/v1 (types.go): AppLabel, CreatedByLabel, NodeNameLabel, DomainAnnotation,
  // EvacuationMigrationAnnotation, and the condition VirtualMachineInstanceIsMigratable.
  static final String APP_LABEL = "kubevirt.io";
  static final String LAUNCHER = "virt-launcher";
  static final String CREATED_BY_LABEL = "kubevirt.io/created-by";
  static final String NODE_NAME_LABEL = "kubevirt.io/nodeName";
  static final String DOMAIN_ANNOTATION = "kubevirt.io/domain";
  static final String EVACUATION_MIGRATION_ANNOTATION = "kubevirt.io/evacuationMigration";
  static final String LIVE_MIGRATABLE = "LiveMigratable";

  static final ResourceDefinitionContext VMIS = context("VirtualMachineInstance", true);
  static final ResourceDefinitionContext MIGRATIONS =
      context("VirtualMachineInstanceMigration", true);
  static final ResourceDefinitionContext KUBEVIRTS = context("KubeVirt", true);

  private KubeVirtObjects() {}

  private static ResourceDefinitionContext context(String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("kubevirt.io")
        .withVersion("v1")
        .withKind(kind)
        .withPlural(kind.toLowerCase() + "s")
        .withNamespaced(namespaced)
        .build();
  }

  /**
   * Applies the three CRDs (each Established before it is used) and creates the {@code KubeVirt} CR
   * {@code kubevirt/kubevirt} with an empty configuration: KubeVirt's defaults.
   */
  static void install(KubernetesClient admin, Path repo) throws IOException {
    for (String file : CRD_FILES) {
      Path path = repo.resolve(file);
      if (!Files.exists(path)) {
        throw new IllegalStateException(
            path + " is missing: KubeVirt's CRDs are generated from its Go module (e2e/README.md)");
      }
      try (InputStream in = Files.newInputStream(path)) {
        for (HasMetadata item : admin.load(in).items()) {
          Crds.apply(admin, (CustomResourceDefinition) item);
        }
      }
    }
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
    admin
        .genericKubernetesResources(KUBEVIRTS)
        .inNamespace(NAMESPACE)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("kubevirt.io/v1")
                .withKind("KubeVirt")
                .withNewMetadata()
                .withNamespace(NAMESPACE)
                .withName(NAME)
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("configuration", Map.of()))
                .build())
        .forceConflicts()
        .serverSideApply();
  }

  static MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      vmis(KubernetesClient client) {
    return client.genericKubernetesResources(VMIS);
  }

  static MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      migrations(KubernetesClient client) {
    return client.genericKubernetesResources(MIGRATIONS);
  }

  static Resource<GenericKubernetesResource> kubeVirt(KubernetesClient client) {
    return client.genericKubernetesResources(KUBEVIRTS).inNamespace(NAMESPACE).withName(NAME);
  }

  /**
   * Replaces {@code spec.configuration} of the KubeVirt CR (a merge patch of the whole
   * configuration: keys left out go back to KubeVirt's defaults).
   */
  static void configure(KubernetesClient client, Map<String, Object> configuration) {
    GenericKubernetesResource kv = kubeVirt(client).get();
    kv.setAdditionalProperty(
        "spec", new java.util.HashMap<>(Map.of("configuration", configuration)));
    client.genericKubernetesResources(KUBEVIRTS).resource(kv).update();
  }

  /** {@code spec.configuration} of the KubeVirt CR (empty when unset). */
  static Map<String, Object> configuration(KubernetesClient client) {
    GenericKubernetesResource kv = kubeVirt(client).get();
    return kv == null ? Map.of() : map(kv.getAdditionalProperties(), "spec", "configuration");
  }

  /** A JSON patch (RFC 6902) of an unstructured object, optionally as a dry run. */
  static void jsonPatch(Resource<GenericKubernetesResource> resource, String patch, boolean dry) {
    (dry ? resource.dryRun() : resource).patch(PatchContext.of(PatchType.JSON), patch);
  }

  /** The map at {@code path} inside {@code root}, empty when any step is missing. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> root, String... path) {
    Map<String, Object> at = root;
    for (String key : path) {
      Object next = at == null ? null : at.get(key);
      if (!(next instanceof Map<?, ?>)) {
        return Map.of();
      }
      at = (Map<String, Object>) next;
    }
    return at;
  }

  /** The string at {@code path} inside the object's top-level fields, or empty. */
  static Optional<String> string(GenericKubernetesResource object, String... path) {
    Map<String, Object> parent =
        map(object.getAdditionalProperties(), java.util.Arrays.copyOf(path, path.length - 1));
    Object value = parent.get(path[path.length - 1]);
    return value instanceof String s && !s.isEmpty() ? Optional.of(s) : Optional.empty();
  }

  /** {@code status.nodeName} of a VMI. */
  static String nodeOf(GenericKubernetesResource vmi) {
    return string(vmi, "status", "nodeName").orElse(null);
  }

  /** {@code status.evacuationNodeName} of a VMI, set by the eviction interceptor. */
  static Optional<String> evacuationNode(GenericKubernetesResource vmi) {
    return string(vmi, "status", "evacuationNodeName");
  }

  /** {@code status.phase} of a VirtualMachineInstanceMigration; empty before its controller. */
  static String phase(GenericKubernetesResource migration) {
    return string(migration, "status", "phase").orElse("");
  }

  /** A migration that has neither succeeded nor failed (KubeVirt's {@code IsFinal}). */
  static boolean unfinished(GenericKubernetesResource migration) {
    String phase = phase(migration);
    return !phase.equals("Succeeded") && !phase.equals("Failed");
  }

  /** Its {@code LiveMigratable} condition is True (KubeVirt's {@code IsMigratable}). */
  @SuppressWarnings("unchecked")
  static boolean migratable(GenericKubernetesResource vmi) {
    Object conditions = map(vmi.getAdditionalProperties(), "status").get("conditions");
    if (!(conditions instanceof List<?> list)) {
      return false;
    }
    return list.stream()
        .filter(Map.class::isInstance)
        .map(c -> (Map<String, Object>) c)
        .anyMatch(c -> LIVE_MIGRATABLE.equals(c.get("type")) && "True".equals(c.get("status")));
  }

  /** The VMI's eviction strategy: its own, else the KubeVirt CR's, else none. */
  static Optional<String> evictionStrategy(
      GenericKubernetesResource vmi, Map<String, Object> configuration) {
    Optional<String> own = string(vmi, "spec", "evictionStrategy");
    if (own.isPresent()) {
      return own;
    }
    return configuration.get("evictionStrategy") instanceof String s && !s.isEmpty()
        ? Optional.of(s)
        : Optional.empty();
  }

  /** {@code spec.configuration.migrations.<name>} of the KubeVirt CR, else KubeVirt's default. */
  static int migrationLimit(Map<String, Object> configuration, String name, int defaultValue) {
    Object value = map(configuration, "migrations").get(name);
    return value instanceof Number n ? n.intValue() : defaultValue;
  }
}
