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
 * One EC2 instance of a pool, from the decision to launch it to its termination. Created by the
 * pool controller before EC2 is called, so the object itself records the launch decision; owned by
 * its pool. Deleting it replaces the machine: it is drained and terminated, and the pool launches a
 * successor. Cluster-scoped.
 *
 * <p>The printer columns are declared in the order {@code kubectl get} shows them: NAME POOL TYPE
 * ZONE INSTANCE NODE PHASE AGE, then REASON with -o wide (the build keeps this order:
 * src/build/java/PrinterColumnOrder.java).
 */
@Group(NestedVirtPool.GROUP)
@Version(NestedVirtPool.VERSION)
@Kind("NestedVirtInstance")
@Plural("nestedvirtinstances")
@Singular("nestedvirtinstance")
@ShortNames("nvi")
@Categories(NestedVirtPool.CATEGORY)
@AdditionalPrinterColumn(
    name = "Pool",
    jsonPath = ".metadata.labels.nestedvirt\\.io/pool",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Type",
    jsonPath = ".spec.instanceType",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Zone",
    jsonPath = ".spec.zone",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Instance",
    jsonPath = ".status.instanceId",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Node",
    jsonPath = ".status.nodeName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@JsonDeserialize(using = TolerantDeserializer.Machines.class)
public class NestedVirtInstance
    extends CustomResource<NestedVirtInstanceSpec, NestedVirtInstanceStatus> implements Readable {
  /**
   * Set by the pool controller on a machine it chose to remove on scale-down: the machine drains
   * its node while it carries it, and the pool deletes it once the node is drained. Until then the
   * pool can take the decision back (it removes the annotation and the node is uncordoned), which
   * deleting the object could not: a deletionTimestamp is final.
   */
  public static final String SCALE_DOWN_ANNOTATION = "nestedvirt.io/scale-down";

  /**
   * Set beside {@link #SCALE_DOWN_ANNOTATION} when the machine goes because it is replaced (it
   * drifted or expired), not because the pool shrinks; its value says why. Such a machine is never
   * taken back to save a launch: its successor is what the pool wants.
   */
  public static final String REPLACE_ANNOTATION = "nestedvirt.io/replace";

  /**
   * What EC2 warned about the machine's instance (an {@link InterruptionNotice} as JSON), written
   * by the operator when the warning came: a Spot interruption or a stopping instance drains at
   * once, a scheduled change is replaced ahead of its start, a rebalance recommendation is only
   * reported.
   */
  public static final String INTERRUPTION_ANNOTATION = "nestedvirt.io/interruption";

  @Override
  protected NestedVirtInstanceStatus initStatus() {
    return new NestedVirtInstanceStatus();
  }

  @Override
  @JsonPropertyDescription(
      "What the pool decided for this machine: type, subnet and zone, capacity type and the"
          + " launch settings. Immutable: delete the object to replace the machine.")
  public NestedVirtInstanceSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "The machine as EC2 and the API server report it, one condition per lifecycle step."
          + " Written by the operator only.")
  public NestedVirtInstanceStatus getStatus() {
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

  /** The pool this machine belongs to (its label; the ownerReference says the same). */
  @JsonIgnore
  public String poolName() {
    var labels = getMetadata().getLabels();
    return labels == null ? null : labels.get(NestedVirtPool.POOL_LABEL);
  }

  /**
   * The uid of the pool that owns this machine (its controller ownerReference): a pool deleted and
   * created again under the same name is another pool.
   */
  @JsonIgnore
  public String poolUid() {
    var owners = getMetadata().getOwnerReferences();
    if (owners == null) {
      return null;
    }
    return owners.stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .map(o -> o.getUid())
        .findFirst()
        .orElse(null);
  }

  /** Whether {@code pool} (that very pool, not one of the same name) owns this machine. */
  public boolean ownedBy(NestedVirtPool pool) {
    return pool.uid() != null && pool.uid().equals(poolUid());
  }

  @JsonIgnore
  public boolean isDeleting() {
    return getMetadata().getDeletionTimestamp() != null;
  }

  /**
   * Whether the pool chose this machine to go on a scale-down (see {@link #SCALE_DOWN_ANNOTATION}).
   */
  @JsonIgnore
  public boolean isScaleDownVictim() {
    var annotations = getMetadata().getAnnotations();
    return annotations != null && annotations.containsKey(SCALE_DOWN_ANNOTATION);
  }

  /** Why the pool replaces this machine (see {@link #REPLACE_ANNOTATION}), if it does. */
  @JsonIgnore
  public Optional<String> replacedBecause() {
    var annotations = getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(REPLACE_ANNOTATION));
  }

  /** What EC2 warned about the instance (see {@link #INTERRUPTION_ANNOTATION}), if anything. */
  @JsonIgnore
  public Optional<InterruptionNotice> interruption() {
    var annotations = getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(INTERRUPTION_ANNOTATION);
    return value == null ? Optional.empty() : InterruptionNotice.parse(value);
  }

  /** Whether the machine is on its way out: deleted, or draining as a scale-down victim. */
  @JsonIgnore
  public boolean isLeaving() {
    return isDeleting() || isScaleDownVictim();
  }

  /** The EC2 instance: the one launched for it, or the one it adopted. Null before the launch. */
  @JsonIgnore
  public String instanceId() {
    if (getStatus() != null && getStatus().instanceId != null) {
      return getStatus().instanceId;
    }
    return getSpec() == null ? null : getSpec().instanceId;
  }
}
