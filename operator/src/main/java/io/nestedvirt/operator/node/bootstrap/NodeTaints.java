package io.nestedvirt.operator.node.bootstrap;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The taints a pool's node registers with: the startup taint first, then the pool's. */
public final class NodeTaints {
  private NodeTaints() {}

  /** Keeps everything off a node until the operator has verified KVM on it, then removed. */
  public static final String STARTUP_KEY = "nestedvirt.io/unverified";

  /**
   * On a node its pool will replace (it drifted): new pods and migrating VMs prefer the pool's
   * up-to-date nodes, so that a VM moves once in a rollout rather than from old node to old node.
   */
  public static final String OUTDATED_KEY = "nestedvirt.io/outdated";

  public static final String NO_SCHEDULE = "NoSchedule";
  public static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";
  public static final Set<String> EFFECTS = Set.of(NO_SCHEDULE, PREFER_NO_SCHEDULE, "NoExecute");

  /** {@code nestedvirt.io/unverified:NoSchedule}, a fresh copy (fabric8's Taint is mutable). */
  public static Taint startupTaint() {
    return new TaintBuilder().withKey(STARTUP_KEY).withEffect(NO_SCHEDULE).build();
  }

  /** {@code nestedvirt.io/outdated:PreferNoSchedule}, a fresh copy. */
  public static Taint outdatedTaint() {
    return new TaintBuilder().withKey(OUTDATED_KEY).withEffect(PREFER_NO_SCHEDULE).build();
  }

  /**
   * The startup taint followed by the pool's taints, in the pool's order, without timeAdded.
   *
   * <p>A pool taint identical in key and effect to the startup taint is dropped (it would be a
   * duplicate, which the API server rejects). Any other use of the startup key is refused: the
   * operator removes that key when the node is verified.
   *
   * @throws IllegalArgumentException when a taint is malformed or two share key and effect
   */
  public static List<Taint> registrationTaints(List<Taint> poolTaints) {
    List<Taint> taints = new ArrayList<>();
    taints.add(startupTaint());
    Set<String> seen = new HashSet<>();
    seen.add(STARTUP_KEY + ":" + NO_SCHEDULE);
    for (int i = 0; i < poolTaints.size(); i++) {
      Taint taint = poolTaints.get(i);
      if (taint == null) {
        throw new IllegalArgumentException("pool taint #" + (i + 1) + " is empty");
      }
      check(taint);
      if (STARTUP_KEY.equals(taint.getKey())) {
        if (NO_SCHEDULE.equals(taint.getEffect())) {
          continue;
        }
        throw new IllegalArgumentException(
            "pool taint "
                + describe(taint)
                + " uses the key "
                + STARTUP_KEY
                + ", which the operator adds as "
                + STARTUP_KEY
                + ":NoSchedule and removes once KVM is verified; use another key");
      }
      if (!seen.add(taint.getKey() + ":" + taint.getEffect())) {
        throw new IllegalArgumentException(
            "pool taints have "
                + taint.getKey()
                + ":"
                + taint.getEffect()
                + " twice; a node's taints must be unique by key and effect");
      }
      taints.add(
          new TaintBuilder()
              .withKey(taint.getKey())
              .withValue(emptyToNull(taint.getValue()))
              .withEffect(taint.getEffect())
              .build());
    }
    return List.copyOf(taints);
  }

  /**
   * The value of the kubelet's {@code --register-with-taints}: comma-separated {@code
   * key=value:Effect}, an empty value written {@code key=:Effect} (the form the kubelet prints
   * back).
   */
  public static String registerWithTaintsFlagValue(List<Taint> taints) {
    return taints.stream()
        .map(t -> t.getKey() + "=" + nullToEmpty(t.getValue()) + ":" + t.getEffect())
        .collect(Collectors.joining(","));
  }

  private static void check(Taint taint) {
    String keyProblem = LabelSyntax.keyProblem(taint.getKey());
    if (keyProblem != null) {
      throw new IllegalArgumentException(
          "pool taint " + describe(taint) + " has an invalid key: " + keyProblem);
    }
    String valueProblem = LabelSyntax.valueProblem(nullToEmpty(taint.getValue()));
    if (valueProblem != null) {
      throw new IllegalArgumentException(
          "pool taint " + describe(taint) + " has an invalid value: " + valueProblem);
    }
    // Set.of(...).contains(null) throws, so test for the missing effect first.
    if (taint.getEffect() == null || !EFFECTS.contains(taint.getEffect())) {
      throw new IllegalArgumentException(
          "pool taint "
              + describe(taint)
              + " has effect '"
              + taint.getEffect()
              + "'; use NoSchedule, PreferNoSchedule or NoExecute");
    }
  }

  private static String describe(Taint t) {
    return t.getKey() + "=" + nullToEmpty(t.getValue()) + ":" + t.getEffect();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
