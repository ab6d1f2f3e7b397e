package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Set;

/**
 * Answers of the API server to a Node write that repeating will not change: 403 Forbidden (RBAC)
 * and 422 Invalid (an admission policy, a bad label or taint). Such a write is reported once and
 * tried again at the refresh period, not every few seconds; other errors are retried as usual.
 */
final class NodeWriteRefusals {
  private static final Set<Integer> CODES = Set.of(403, 422);

  private NodeWriteRefusals() {}

  static boolean isRefusal(KubernetesClientException e) {
    return CODES.contains(e.getCode());
  }

  /** The code and the API server's own message, for a condition and an Event. */
  static String describe(KubernetesClientException e) {
    String message = e.getStatus() == null ? null : e.getStatus().getMessage();
    return e.getCode() + (message == null ? "" : ": " + message);
  }
}
