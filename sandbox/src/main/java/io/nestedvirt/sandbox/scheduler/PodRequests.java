package io.nestedvirt.sandbox.scheduler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pod asks of a node, as kube-scheduler computes it: the sum of its containers' requests and
 * of its restartable init containers (sidecars), or the largest single init container plus the
 * sidecars started before it if that is more, plus {@code spec.overhead} (set from a RuntimeClass).
 * A container that sets a limit but no request for a resource requests its limit, as the API server
 * defaults it (the sandbox's API server does not). Amounts in base units: cores, bytes.
 */
final class PodRequests {
  private PodRequests() {}

  static Map<String, BigDecimal> of(Pod pod) {
    PodSpec spec = pod.getSpec();
    Map<String, BigDecimal> sum = new TreeMap<>();
    if (spec == null) {
      return sum;
    }
    for (Container c : nullToEmpty(spec.getContainers())) {
      add(sum, requests(c));
    }
    Map<String, BigDecimal> sidecars = new TreeMap<>();
    Map<String, BigDecimal> initPeak = new TreeMap<>();
    for (Container c : nullToEmpty(spec.getInitContainers())) {
      Map<String, BigDecimal> own = requests(c);
      if ("Always".equals(c.getRestartPolicy())) {
        add(sidecars, own);
        max(initPeak, sidecars);
      } else {
        Map<String, BigDecimal> during = new TreeMap<>(sidecars);
        add(during, own);
        max(initPeak, during);
      }
    }
    add(sum, sidecars);
    max(sum, initPeak);
    if (spec.getOverhead() != null) {
      add(sum, amounts(spec.getOverhead()));
    }
    sum.values().removeIf(v -> v.signum() == 0);
    return sum;
  }

  private static Map<String, BigDecimal> requests(Container c) {
    ResourceRequirements r = c.getResources();
    Map<String, BigDecimal> requests = new TreeMap<>();
    if (r == null) {
      return requests;
    }
    if (r.getLimits() != null) {
      requests.putAll(amounts(r.getLimits()));
    }
    if (r.getRequests() != null) {
      requests.putAll(amounts(r.getRequests()));
    }
    return requests;
  }

  static Map<String, BigDecimal> amounts(Map<String, Quantity> quantities) {
    Map<String, BigDecimal> amounts = new TreeMap<>();
    quantities.forEach((name, q) -> amounts.put(name, Quantity.getAmountInBytes(q)));
    return amounts;
  }

  static void add(Map<String, BigDecimal> into, Map<String, BigDecimal> more) {
    more.forEach((name, amount) -> into.merge(name, amount, BigDecimal::add));
  }

  private static void max(Map<String, BigDecimal> into, Map<String, BigDecimal> other) {
    other.forEach((name, amount) -> into.merge(name, amount, BigDecimal::max));
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
