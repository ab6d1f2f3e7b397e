package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

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
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Json.of(settings).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
