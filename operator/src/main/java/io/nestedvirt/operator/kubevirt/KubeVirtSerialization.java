package io.nestedvirt.operator.kubevirt;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

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
}
