package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** Canonical JSON of model objects, for "did anything change" comparisons. */
final class Json {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Json() {}

  static String of(Object value) {
    return SERIALIZATION.asJson(value);
  }
}
