package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/**
 * {@code nestedvirt.io/do-not-disrupt: "true"} on a pod or a Node holds the node back from every
 * voluntary disruption (a scale-down, and later drift and expiry), as Karpenter's {@code
 * karpenter.sh/do-not-disrupt} does. It never holds an involuntary one: a node that failed or is
 * unhealthy is replaced, and {@code kubectl delete nvi} deletes, whatever the annotation says. The
 * one place that knows the annotation, for scale-down choices and drains alike.
 */
public final class DoNotDisrupt {
  public static final String ANNOTATION = "nestedvirt.io/do-not-disrupt";

  private DoNotDisrupt() {}

  /** The Node itself carries the annotation. */
  public static boolean holds(Node node) {
    return annotated(node);
  }

  /**
   * The pod carries the annotation and still runs or may run. A finished pod, or one already
   * terminating, is going anyway and holds nothing (Karpenter treats them alike).
   */
  public static boolean holds(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase) && annotated(pod);
  }

  /** Exactly "true", as Karpenter reads its annotation: any other value holds nothing. */
  private static boolean annotated(HasMetadata o) {
    Map<String, String> annotations = o.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(ANNOTATION));
  }
}
