package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.Taint;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Rendered user data and what the operator still has to do once the Node registers.
 *
 * @param text the user data, not base64-encoded, at most {@link UserDataRenderer#MAX_BYTES} bytes
 * @param labelsAfterJoin labels the kubelet may not set on itself (NodeRestriction), always
 *     including {@code node-restriction.kubernetes.io/nestedvirt-pool}; in RAW mode every pool
 *     label
 * @param taintsAfterJoin empty when the kubelet registers with the taints itself; in RAW mode the
 *     startup taint and the pool's taints
 */
public record BootstrapUserData(
    String text, SortedMap<String, String> labelsAfterJoin, List<Taint> taintsAfterJoin) {
  public BootstrapUserData {
    labelsAfterJoin = Collections.unmodifiableSortedMap(new TreeMap<>(labelsAfterJoin));
    taintsAfterJoin = List.copyOf(taintsAfterJoin);
  }

  public int sizeBytes() {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
