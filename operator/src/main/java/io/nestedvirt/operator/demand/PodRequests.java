package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's requests as the scheduler counts them (k8s.io/component-helpers/resource {@code
 * PodRequests}): the larger of the app containers' sum (plus restartable init "sidecar" containers,
 * which keep running beside them) and the largest init container (plus the sidecars started before
 * it, which run beside it); then pod-level requests where the pod sets them; then {@code
 * spec.overhead} (set by a RuntimeClass, e.g. Kata's VM); then one of the node's pods.
 *
 * <p>A limit stands in for a missing request of the same resource, as the API server defaults it
 * when the pod is created: a pod read back from the API server already has the request.
 */
public final class PodRequests {
  private PodRequests() {}

  /** A restartable init container runs for the pod's whole life (KEP-753). */
  private static final String SIDECAR_RESTART_POLICY = "Always";

  /** The resources that pod-level {@code spec.resources} may set (KEP-2837). */
  private static final Set<String> POD_LEVEL = Set.of(Resources.CPU, Resources.MEMORY);

  /** Every pod takes one of the node's {@code pods}. */
  private static final Resources ONE_POD = Resources.of(Resources.PODS, 1);

  public static Resources of(Pod pod) {
    return of(pod.getSpec());
  }

  /** The requests of a pod with this spec, e.g. a DaemonSet's pod template. */
  static Resources of(PodSpec spec) {
    if (spec == null) {
      return ONE_POD;
    }
    Resources running = Resources.NONE;
    for (Container container : list(spec.getContainers())) {
      running = running.plus(requests(container));
    }
    Resources sidecars = Resources.NONE;
    Resources initPeak = Resources.NONE;
    for (Container init : list(spec.getInitContainers())) {
      Resources own = requests(init);
      if (SIDECAR_RESTART_POLICY.equals(init.getRestartPolicy())) {
        running = running.plus(own);
        sidecars = sidecars.plus(own);
        initPeak = initPeak.max(sidecars);
      } else {
        initPeak = initPeak.max(own.plus(sidecars));
      }
    }
    Resources total = running.max(initPeak);
    total = withPodLevel(total, spec.getResources());
    return total.plus(Resources.of(spec.getOverhead())).plus(ONE_POD);
  }

  /** Pod-level requests replace the containers' sum for the resources they name. */
  private static Resources withPodLevel(Resources total, ResourceRequirements podLevel) {
    Map<String, Quantity> requests = defaulted(podLevel);
    Resources result = total;
    for (Map.Entry<String, Long> set : Resources.of(requests).amounts().entrySet()) {
      if (POD_LEVEL.contains(set.getKey())) {
        result = result.with(set.getKey(), set.getValue());
      }
    }
    return result;
  }

  private static Resources requests(Container container) {
    return Resources.of(defaulted(container.getResources()));
  }

  /** The requests, with a limit standing in for each missing request. */
  private static Map<String, Quantity> defaulted(ResourceRequirements resources) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    if (resources == null) {
      return requests;
    }
    if (resources.getLimits() != null) {
      requests.putAll(resources.getLimits());
    }
    if (resources.getRequests() != null) {
      requests.putAll(resources.getRequests());
    }
    return requests;
  }

  private static <T> List<T> list(List<T> items) {
    return items == null ? List.of() : items;
  }
}
