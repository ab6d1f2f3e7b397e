package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Pure: a short hash of the pool settings a machine is launched with. A machine records it when it
 * is created; when the pool's hash moves on, the machine runs with settings the pool no longer has.
 * In it: what EC2 or the node's boot reads once (image, security groups, instance profile, root
 * volume, metadata and CPU options, capacity type, user data, tags, bootstrap). Not in it: what the
 * operator applies in place (replicas, node labels and taints, timeouts) and what each machine
 * records itself (instance type, subnet).
 */
public final class LaunchSettingsHash {
  private LaunchSettingsHash() {}

  public static String of(NestedVirtPoolSpec spec) {
    return hash(Json.of(settings(spec)));
  }

  /**
   * A short hash of each setting on its own, which a machine records beside {@link #of} so that
   * drift can name the settings that changed, not only that some did.
   */
  public static SortedMap<String, String> fields(NestedVirtPoolSpec spec) {
    SortedMap<String, String> fields = new TreeMap<>();
    settings(spec).forEach((name, value) -> fields.put(name, hash(Json.of(value))));
    return fields;
  }

  /** The names of the settings whose hashes differ; both maps come from {@link #fields}. */
  public static List<String> changed(Map<String, String> recorded, Map<String, String> now) {
    Set<String> names = new TreeSet<>(recorded.keySet());
    names.addAll(now.keySet());
    return names.stream()
        .filter(name -> !Objects.equals(recorded.get(name), now.get(name)))
        .toList();
  }

  private static Map<String, Object> settings(NestedVirtPoolSpec spec) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("image", spec.image);
    settings.put("securityGroups", spec.securityGroups);
    settings.put("instanceProfile", spec.instanceProfile);
    settings.put("rootVolume", spec.rootVolume);
    settings.put("metadataOptions", spec.metadataOptions);
    settings.put("cpuOptions", spec.cpuOptions);
    settings.put("capacityType", spec.capacityType);
    settings.put("userData", spec.userData);
    settings.put("tags", spec.tags == null ? null : new TreeMap<>(spec.tags));
    settings.put("bootstrap", spec.bootstrap);
    return settings;
  }

  private static String hash(String json) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
