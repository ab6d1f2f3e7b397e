package io.nestedvirt.operator.api.v1alpha1;

import java.util.Optional;

/**
 * One of our kinds as the operator read it: a spec or status this version cannot map (a field of a
 * type it does not know, written under a newer CRD) leaves the object in the informer's cache, its
 * metadata read, marked unreadable, so the operator reports and skips it instead of stopping.
 */
public interface Readable {
  /** Why the spec or status could not be read; empty when the object was read whole. */
  Optional<String> unreadable();

  /** Set by {@link TolerantDeserializer} only. */
  void markUnreadable(String why);
}
