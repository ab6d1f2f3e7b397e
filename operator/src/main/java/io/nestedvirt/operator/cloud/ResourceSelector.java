package io.nestedvirt.operator.cloud;

import java.util.List;
import java.util.Map;

/**
 * Selects cloud resources either by id or by tags (a tag value of {@code *} matches any value). An
 * empty selector means "the provider's default for this cluster".
 */
public record ResourceSelector(List<String> ids, Map<String, String> tags) {
  public static final String ANY_VALUE = "*";

  public ResourceSelector {
    ids = ids == null ? List.of() : List.copyOf(ids);
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  public static ResourceSelector empty() {
    return new ResourceSelector(List.of(), Map.of());
  }

  public boolean isEmpty() {
    return ids.isEmpty() && tags.isEmpty();
  }
}
