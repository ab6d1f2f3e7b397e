package io.nestedvirt.sandbox.apiserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents kubectl reads before anything else: /api and /apis, both in the
 * aggregated form (apidiscovery.k8s.io/v2, one request each, what kubectl 1.34 asks for first) and
 * in the legacy form (/api, /apis, then one APIResourceList per group version) for clients that do
 * not ask for aggregation. The mock server answers these paths with every stored object.
 */
final class Discovery {
  static final String AGGREGATED_V2 =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  private final List<ApiResource> resources;

  Discovery(List<ApiResource> resources) {
    this.resources = List.copyOf(resources);
  }

  List<ApiResource> resources() {
    return resources;
  }

  static boolean wantsAggregated(String accept) {
    return accept != null && accept.contains("as=APIGroupDiscoveryList");
  }

  /** /api (core: true) or /apis (core: false) in the aggregated form. */
  Map<String, Object> aggregated(boolean core) {
    List<Object> groups = new ArrayList<>();
    for (String group : groups(core)) {
      List<Object> versions = new ArrayList<>();
      for (String version : versions(group)) {
        List<Object> entries = new ArrayList<>();
        for (ApiResource r : in(group, version)) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("resource", r.plural());
          entry.put("responseKind", kind(r.group(), r.version(), r.kind()));
          entry.put("scope", r.namespaced() ? "Namespaced" : "Cluster");
          entry.put("singularResource", r.singular());
          entry.put("verbs", ApiResource.VERBS);
          if (!r.shortNames().isEmpty()) {
            entry.put("shortNames", r.shortNames());
          }
          if (!r.categories().isEmpty()) {
            entry.put("categories", r.categories());
          }
          List<Object> subresources = new ArrayList<>();
          if (r.hasStatus()) {
            subresources.add(
                Map.of(
                    "subresource", "status",
                    "responseKind", kind(r.group(), r.version(), r.kind()),
                    "verbs", List.of("get", "patch", "update")));
          }
          if (r.hasScale()) {
            subresources.add(
                Map.of(
                    "subresource", "scale",
                    "responseKind", kind("autoscaling", "v1", "Scale"),
                    "verbs", List.of("get", "patch", "update")));
          }
          if (!subresources.isEmpty()) {
            entry.put("subresources", subresources);
          }
          entries.add(entry);
        }
        versions.add(Map.of("version", version, "resources", entries, "freshness", "Current"));
      }
      groups.add(Map.of("metadata", Map.of("name", group), "versions", versions));
    }
    return Map.of(
        "kind",
        "APIGroupDiscoveryList",
        "apiVersion",
        "apidiscovery.k8s.io/v2",
        "metadata",
        Map.of(),
        "items",
        groups);
  }

  /** Legacy /api. */
  Map<String, Object> coreVersions() {
    return Map.of("kind", "APIVersions", "versions", List.of("v1"));
  }

  /** Legacy /apis. */
  Map<String, Object> groupList() {
    List<Object> groups = new ArrayList<>();
    for (String group : groups(false)) {
      List<Object> versions =
          versions(group).stream()
              .<Object>map(v -> Map.of("groupVersion", group + "/" + v, "version", v))
              .toList();
      groups.add(
          Map.of("name", group, "versions", versions, "preferredVersion", versions.getFirst()));
    }
    return Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", groups);
  }

  /** Legacy /api/v1 or /apis/GROUP/VERSION; empty when nothing is served there. */
  Optional<Map<String, Object>> resourceList(String group, String version) {
    List<ApiResource> served = in(group, version);
    if (served.isEmpty()) {
      return Optional.empty();
    }
    List<Object> entries = new ArrayList<>();
    for (ApiResource r : served) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", r.plural());
      entry.put("singularName", r.singular());
      entry.put("namespaced", r.namespaced());
      entry.put("kind", r.kind());
      entry.put("verbs", ApiResource.VERBS);
      if (!r.shortNames().isEmpty()) {
        entry.put("shortNames", r.shortNames());
      }
      if (!r.categories().isEmpty()) {
        entry.put("categories", r.categories());
      }
      entries.add(entry);
      if (r.hasStatus()) {
        entries.add(sub(r.plural() + "/status", r.namespaced(), r.kind()));
      }
      if (r.hasScale()) {
        entries.add(sub(r.plural() + "/scale", r.namespaced(), "Scale"));
      }
    }
    return Optional.of(
        Map.of(
            "kind",
            "APIResourceList",
            "apiVersion",
            "v1",
            "groupVersion",
            served.getFirst().groupVersion(),
            "resources",
            entries));
  }

  private static Map<String, Object> sub(String name, boolean namespaced, String kind) {
    return Map.of(
        "name",
        name,
        "singularName",
        "",
        "namespaced",
        namespaced,
        "kind",
        kind,
        "verbs",
        List.of("get", "patch", "update"));
  }

  private List<String> groups(boolean core) {
    return resources.stream()
        .map(ApiResource::group)
        .filter(g -> core == g.isEmpty())
        .distinct()
        .toList();
  }

  private List<String> versions(String group) {
    return resources.stream()
        .filter(r -> r.group().equals(group))
        .map(ApiResource::version)
        .distinct()
        .toList();
  }

  private List<ApiResource> in(String group, String version) {
    return resources.stream()
        .filter(r -> r.group().equals(group) && r.version().equals(version))
        .toList();
  }

  private static Map<String, Object> kind(String group, String version, String kind) {
    return Map.of("group", group, "version", version, "kind", kind);
  }
}
