package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads our kinds as Kubernetes' Go clients do, whichever client or mapper reads them: fields this
 * version does not know are ignored (a CRD newer than the operator, after a rollback of the
 * operator), and a spec or status that still cannot be mapped marks the object {@link
 * Readable#unreadable()} instead of failing the whole list or watch, which would stop the informer
 * and with it the operator. Metadata is read as usual: the API server guarantees its shape.
 *
 * <p>Installed on the two kinds with {@code @JsonDeserialize}, so it holds for every {@code
 * KubernetesClient}, not only for clients built with a particular serialization; built-in kinds are
 * untouched.
 */
abstract class TolerantDeserializer<S, T, R extends CustomResource<S, T> & Readable>
    extends StdDeserializer<R> {
  private final Supplier<R> factory;
  private final Class<S> specType;
  private final Class<T> statusType;

  TolerantDeserializer(Class<R> type, Supplier<R> factory, Class<S> specType, Class<T> statusType) {
    super(type);
    this.factory = factory;
    this.specType = specType;
    this.statusType = statusType;
  }

  @Override
  public R deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonNode node = ctxt.readTree(p);
    R resource = factory.get();
    if (node.hasNonNull("apiVersion")) {
      resource.setApiVersion(node.get("apiVersion").asText());
    }
    if (node.hasNonNull("kind")) {
      resource.setKind(node.get("kind").asText());
    }
    if (node.hasNonNull("metadata")) {
      resource.setMetadata(ctxt.readTreeAsValue(node.get("metadata"), ObjectMeta.class));
    }
    List<String> problems = new ArrayList<>();
    // Absent keeps the kind's defaults (as plain Jackson would); unreadable leaves null.
    if (node.has("spec")) {
      resource.setSpec(read(p.getCodec(), ctxt, node.get("spec"), specType, "spec", problems));
    }
    if (node.has("status")) {
      resource.setStatus(
          read(p.getCodec(), ctxt, node.get("status"), statusType, "status", problems));
    }
    if (!problems.isEmpty()) {
      resource.markUnreadable(String.join("; ", problems));
    }
    return resource;
  }

  private static <X> X read(
      ObjectCodec codec,
      DeserializationContext ctxt,
      JsonNode value,
      Class<X> type,
      String field,
      List<String> problems) {
    if (value.isNull()) {
      return null;
    }
    try {
      return switch (codec) {
        case ObjectReader r ->
            r.forType(type)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(value);
        case ObjectMapper m ->
            m.readerFor(type)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(value);
        // No mapper to derive a lenient reader from (not seen with fabric8): read as configured.
        case null, default -> ctxt.readTreeAsValue(value, type);
      };
    } catch (IOException | RuntimeException e) {
      problems.add(where(field, e) + ": " + firstLine(reason(e)));
      return null;
    }
  }

  /** The path of the failing value, for example {@code spec.replicas}. */
  private static String where(String field, Exception e) {
    StringBuilder path = new StringBuilder(field);
    if (e instanceof JsonMappingException m) {
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          path.append('.').append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          path.append('[').append(r.getIndex()).append(']');
        }
      }
    }
    return path.toString();
  }

  private static String reason(Exception e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  /** Jackson appends the source location and reference chain on further lines. */
  private static String firstLine(String message) {
    if (message == null) {
      return "cannot be read";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  static final class Pools
      extends TolerantDeserializer<NestedVirtPoolSpec, NestedVirtPoolStatus, NestedVirtPool> {
    Pools() {
      super(
          NestedVirtPool.class,
          NestedVirtPool::new,
          NestedVirtPoolSpec.class,
          NestedVirtPoolStatus.class);
    }
  }

  static final class Machines
      extends TolerantDeserializer<
          NestedVirtInstanceSpec, NestedVirtInstanceStatus, NestedVirtInstance> {
    Machines() {
      super(
          NestedVirtInstance.class,
          NestedVirtInstance::new,
          NestedVirtInstanceSpec.class,
          NestedVirtInstanceStatus.class);
    }
  }
}
