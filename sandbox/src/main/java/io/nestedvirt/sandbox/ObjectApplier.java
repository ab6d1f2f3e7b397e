package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.nestedvirt.sandbox.ManifestFiles.Manifest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the objects of the files other than pools through the generic client, as {@code kubectl
 * apply} would create them: the kinds others depend on first (Namespaces, then PriorityClasses and
 * RuntimeClasses, whose admission a pod's creation reads), Pods last, the rest in file order;
 * namespaced objects without a namespace go to {@code default}. The embedded API server stores any
 * path, so each kind is first looked up in its discovery: one it does not serve (a KubeVirt
 * VirtualMachine: no KubeVirt runs here) is refused with its kind and file before anything is
 * applied. An object the API server refuses (a pod naming a RuntimeClass that does not exist) stops
 * the applying with its kind, file and the server's message.
 */
final class ObjectApplier {
  private ObjectApplier() {}

  /** Why some objects cannot be applied (one line each), or empty. */
  static List<String> unknownKinds(KubernetesClient client, List<Manifest> manifests) {
    Map<String, Optional<APIResourceList>> discovery = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (Manifest m : manifests) {
      if (resource(client, discovery, m.object()).isEmpty()) {
        problems.add(
            m.object().getKind()
                + " "
                + m.object().getMetadata().getName()
                + " in "
                + m.file()
                + ": the sandbox's API server does not serve kind "
                + m.object().getKind()
                + " of "
                + m.object().getApiVersion());
      }
    }
    return problems;
  }

  /** Creates (or updates) each object, in dependency order; returns them as written. */
  static List<HasMetadata> apply(KubernetesClient client, List<Manifest> manifests) {
    Map<String, Optional<APIResourceList>> discovery = new HashMap<>();
    List<HasMetadata> applied = new ArrayList<>();
    List<Manifest> ordered =
        manifests.stream().sorted(Comparator.comparingInt(m -> rank(m.object()))).toList();
    for (Manifest m : ordered) {
      HasMetadata object = m.object();
      APIResource resource =
          resource(client, discovery, object)
              .orElseThrow(() -> new IllegalArgumentException("unknown kind: " + m.describe()));
      if (Boolean.TRUE.equals(resource.getNamespaced())
          && (object.getMetadata().getNamespace() == null
              || object.getMetadata().getNamespace().isEmpty())) {
        object.getMetadata().setNamespace("default");
      }
      try {
        applied.add(client.resource(object).createOr(NonDeletingOperation::update));
      } catch (KubernetesClientException e) {
        String why = e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
        throw new IllegalStateException("cannot apply " + m.describe() + ": " + why, e);
      }
    }
    return applied;
  }

  /** Namespaces, then classes that admission reads, then the rest, Pods last. */
  private static int rank(HasMetadata object) {
    return switch (object.getKind()) {
      case "Namespace" -> 0;
      case "CustomResourceDefinition" -> 1;
      case "PriorityClass", "RuntimeClass" -> 2;
      case "ServiceAccount", "ConfigMap", "Secret" -> 3;
      case "Pod" -> 5;
      default -> 4;
    };
  }

  private static Optional<APIResource> resource(
      KubernetesClient client,
      Map<String, Optional<APIResourceList>> discovery,
      HasMetadata object) {
    if (object.getApiVersion() == null || object.getKind() == null) {
      return Optional.empty();
    }
    Optional<APIResourceList> list =
        discovery.computeIfAbsent(
            object.getApiVersion(),
            version -> {
              try {
                return Optional.ofNullable(client.getApiResources(version));
              } catch (RuntimeException e) {
                return Optional.empty();
              }
            });
    return list.flatMap(
        l ->
            l.getResources().stream()
                .filter(r -> object.getKind().equals(r.getKind()) && !r.getName().contains("/"))
                .findFirst());
  }
}
