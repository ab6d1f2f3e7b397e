package io.nestedvirt.operator.kubevirt;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serialization for Kubernetes clients that read KubeVirt's resources into the operator's model
 * of them ({@code io.kubevirt.v1}, generated at build time from KubeVirt's CRDs pruned to the
 * fields the operator reads; see kubevirt/tools/kept.go). That model has no catch-all for other
 * fields, and fabric8's default serialization fails on a field a class does not declare, so with it
 * a real VirtualMachineInstance (devices, volumes, guest OS, ...) could not be read at all. This
 * one ignores, in the KubeVirt model's classes only, the fields the model does not have: they are
 * dropped while reading and never held in the informer cache. Every other class reads exactly as
 * with fabric8's default.
 *
 * <p>The model is for reading: an object read through it lacks every dropped field, so it must
 * never be sent back with an update; change KubeVirt's objects with patches.
 */
public final class KubeVirtSerialization {
  /** The package of the generated model (the reversed CRD group). */
  static final String MODEL_PACKAGE = "io.kubevirt";

  private KubeVirtSerialization() {}

  public static KubernetesSerialization create() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(
        new SimpleModule("kubevirt-pruned-model")
            .setDeserializerModifier(new IgnoreFieldsTheModelDropped()));
    mapper.addHandler(new LenientValues());
    return new KubernetesSerialization(mapper, true);
  }

  private static final class IgnoreFieldsTheModelDropped extends BeanDeserializerModifier {
    @Override
    public BeanDeserializerBuilder updateBuilder(
        DeserializationConfig config,
        BeanDescription description,
        BeanDeserializerBuilder builder) {
      String packageName = description.getBeanClass().getPackageName();
      if (packageName.equals(MODEL_PACKAGE) || packageName.startsWith(MODEL_PACKAGE + ".")) {
        builder.setIgnoreUnknownProperties(true);
      }
      return builder;
    }
  }

  /**
   * A value the model cannot take (a timestamp with fractional seconds where the generated model
   * expects whole ones, a string where it expects a number) is read leniently or dropped, never
   * fatal: fabric8 stops a watch at the first object it cannot read, and one odd VMI would then
   * switch the operator's VM awareness off for every VM until it restarts. A timestamp is parsed as
   * any ISO-8601 date-time; anything else, a value of the wrong shape included, becomes null, as if
   * the field were not set.
   */
  private static final class LenientValues extends DeserializationProblemHandler {
    private static final Logger log = LoggerFactory.getLogger(KubeVirtSerialization.class);

    @Override
    public Object handleWeirdStringValue(
        DeserializationContext context, Class<?> targetType, String value, String failureMsg) {
      if (targetType == ZonedDateTime.class) {
        try {
          return ZonedDateTime.parse(value, DateTimeFormatter.ISO_DATE_TIME);
        } catch (DateTimeParseException e) {
          // dropped below
        }
      }
      log.debug(
          "KubeVirt object: {} {} dropped: {}", targetType.getSimpleName(), value, failureMsg);
      return null;
    }

    /** A value of the wrong shape (a string where a list belongs): skipped, as if not set. */
    @Override
    public Object handleUnexpectedToken(
        DeserializationContext context,
        com.fasterxml.jackson.databind.JavaType targetType,
        com.fasterxml.jackson.core.JsonToken token,
        com.fasterxml.jackson.core.JsonParser parser,
        String failureMsg)
        throws java.io.IOException {
      parser.skipChildren();
      log.debug("KubeVirt object: a {} where {} belongs dropped", token, targetType);
      return null;
    }

    @Override
    public Object handleWeirdNumberValue(
        DeserializationContext context, Class<?> targetType, Number value, String failureMsg) {
      log.debug(
          "KubeVirt object: {} {} dropped: {}", targetType.getSimpleName(), value, failureMsg);
      return null;
    }
  }
}
