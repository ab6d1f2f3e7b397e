package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** Canonical JSON of model objects, for "did anything change" comparisons and deep copies. */
public final class Json {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Json() {}

  public static String of(Object value) {
    return SERIALIZATION.asJson(value);
  }

  public static <T> T parse(String json, Class<T> type) {
    return SERIALIZATION.unmarshal(json, type);
  }

  /** A deep copy through JSON, so changes to it never reach a cached original. */
  public static <T> T copy(T value, Class<T> type) {
    return SERIALIZATION.unmarshal(SERIALIZATION.asJson(value), type);
  }
}
