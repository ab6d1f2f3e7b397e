package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.Optional;

/**
 * A pool of EC2 instances launched with nested virtualization enabled, which join the cluster as
 * nodes that can run virtual machines (KubeVirt, Kata Containers). Cluster-scoped.
 *
 * <p>The printer columns are declared in the order {@code kubectl get} shows them: NAME DESIRED
 * CURRENT READY UP-TO-DATE STATUS AGE, then TYPES IMAGE CAPACITY with -o wide (the build keeps this
 * order: src/build/java/PrinterColumnOrder.java).
 */
@Group(NestedVirtPool.GROUP)
@Version(NestedVirtPool.VERSION)
@Kind("NestedVirtPool")
@Plural("nestedvirtpools")
@Singular("nestedvirtpool")
@ShortNames("nvp")
@Categories(NestedVirtPool.CATEGORY)
@AdditionalPrinterColumn(
    name = "Desired",
    jsonPath = ".status.desiredReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Current",
    jsonPath = ".status.replicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.readyReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Up-to-date",
    jsonPath = ".status.updatedReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Status",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Types",
    jsonPath = ".spec.instanceTypes",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Image",
    jsonPath = ".status.image",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Capacity",
    jsonPath = ".spec.capacityType",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@JsonDeserialize(using = TolerantDeserializer.Pools.class)
public class NestedVirtPool extends CustomResource<NestedVirtPoolSpec, NestedVirtPoolStatus>
    implements Readable {
  public static final String GROUP = "nestedvirt.io";
  public static final String VERSION = "v1alpha1";

  /** Both kinds are in this category: {@code kubectl get nestedvirt} lists pools and machines. */
  public static final String CATEGORY = "nestedvirt";

  /** The label on a pool's NestedVirtInstances and Nodes that names the pool. */
  public static final String POOL_LABEL = "nestedvirt.io/pool";

  @Override
  protected NestedVirtPoolStatus initStatus() {
    return new NestedVirtPoolStatus();
  }

  @Override
  @JsonPropertyDescription(
      "What the pool should be: how many instances, of which types, launched how.")
  public NestedVirtPoolSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("What the operator observed and did. Written by the operator only.")
  public NestedVirtPoolStatus getStatus() {
    return super.getStatus();
  }

  /** Why this object could not be read whole (see {@link TolerantDeserializer}). */
  @JsonIgnore private transient String unreadable;

  @Override
  public Optional<String> unreadable() {
    return Optional.ofNullable(unreadable);
  }

  @Override
  public void markUnreadable(String why) {
    this.unreadable = why;
  }

  @JsonIgnore
  public String name() {
    return getMetadata().getName();
  }

  @JsonIgnore
  public String uid() {
    return getMetadata().getUid();
  }

  /**
   * How many machines the pool is to have: {@code spec.replicas}, or for an autoscaled pool the
   * last decision in {@code status.desiredReplicas} (its minimum before the first).
   */
  public int targetReplicas() {
    NestedVirtPoolSpec spec = getSpec();
    if (spec == null) {
      return 0;
    }
    if (!spec.autoscaled()) {
      return spec.replicas == null ? 0 : Math.max(0, spec.replicas);
    }
    NestedVirtPoolStatus status = getStatus();
    return spec.autoscaling.clamp(
        status == null || status.desiredReplicas == null
            ? spec.autoscaling.min()
            : status.desiredReplicas);
  }
}
