package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a new node of a pool would offer, for one instance type in one zone: the labels and taints
 * it will carry once verified and the add-ons have started, and its allocatable resources less the
 * DaemonSet pods that will run there. Immutable (the taints are copies).
 */
public record NodeOffer(
    String instanceType,
    String zone,
    Map<String, String> labels,
    List<Taint> taints,
    Resources allocatable) {

  public NodeOffer {
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    // fabric8's Taint is mutable: keep our own copies.
    taints = taints.stream().map(t -> new TaintBuilder(t).build()).toList();
  }

  /** {@code c8i.large in us-east-1a}, for messages. */
  public String describe() {
    return instanceType + " in " + zone;
  }
}
