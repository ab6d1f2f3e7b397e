package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.InstanceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pure check of a pool's instance types against what the cloud says about them. The result's
 * message names each refused type and lists capable alternatives, so the user can fix the spec from
 * the condition alone.
 */
public record InstanceTypeCheck(boolean valid, ConditionReason reason, String message) {

  private static final int ALTERNATIVES_SHOWN = 8;

  public static InstanceTypeCheck of(
      List<String> requested, Map<String, InstanceType> known, List<InstanceType> capable) {
    List<String> unknown = new ArrayList<>();
    List<String> incapable = new ArrayList<>();
    for (String name : requested) {
      InstanceType type = known.get(name);
      if (type == null) {
        unknown.add(name);
      } else if (!type.capable()) {
        incapable.add(name + " (" + whyIncapable(type) + ")");
      }
    }
    if (unknown.isEmpty() && incapable.isEmpty()) {
      return new InstanceTypeCheck(
          true,
          ConditionReason.AllTypesCapable,
          "all instance types support nested virtualization");
    }
    List<String> problems = new ArrayList<>();
    if (!unknown.isEmpty()) {
      problems.add("unknown instance type " + String.join(", ", unknown));
    }
    if (!incapable.isEmpty()) {
      problems.add("no nested virtualization on " + String.join(", ", incapable));
    }
    String alternatives =
        capable.stream()
            .map(InstanceType::name)
            .sorted(InstanceTypeCheck::bySize)
            .limit(ALTERNATIVES_SHOWN)
            .reduce((a, b) -> a + ", " + b)
            .orElse("none found in this region");
    return new InstanceTypeCheck(
        false,
        unknown.isEmpty()
            ? ConditionReason.IncapableInstanceType
            : ConditionReason.UnknownInstanceType,
        String.join("; ", problems) + ". Capable types: " + alternatives);
  }

  private static String whyIncapable(InstanceType type) {
    if (!type.architectures().contains("x86_64")) {
      return String.join("/", type.architectures()) + ", not x86_64";
    }
    return "processor lacks the nested-virtualization feature";
  }

  /** Smaller sizes first, so the suggestions start with the cheapest capable types. */
  static int bySize(String a, String b) {
    return Integer.compare(rank(a), rank(b)) != 0
        ? Integer.compare(rank(a), rank(b))
        : a.compareTo(b);
  }

  private static int rank(String type) {
    String size = type.substring(type.indexOf('.') + 1);
    if (size.equals("large")) {
      return 0;
    }
    if (size.equals("xlarge")) {
      return 1;
    }
    try {
      return 1 + Integer.parseInt(size.replace("xlarge", ""));
    } catch (NumberFormatException e) {
      return 1000;
    }
  }
}
