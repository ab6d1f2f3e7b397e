package io.nestedvirt.operator.kubevirt;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Pure: whether the VMs of a node about to drain fit on other nodes, judged as the scheduler would
 * judge their target virt-launcher pods: by requests against allocatable memory and CPU, less the
 * requests of the pods already there. Each pod goes to the first node it fits (largest first), so a
 * pass means every VM has a place, not only that the sums fit.
 */
public final class RoomForVms {
  private static final BigDecimal GI = BigDecimal.valueOf(1L << 30);

  private RoomForVms() {}

  /** Memory (bytes) and CPU (cores) a pod requests or a node has free. */
  public record Space(BigDecimal memory, BigDecimal cpu) {
    static final Space NONE = new Space(BigDecimal.ZERO, BigDecimal.ZERO);

    Space plus(Space o) {
      return new Space(memory.add(o.memory), cpu.add(o.cpu));
    }

    Space minus(Space o) {
      return new Space(memory.subtract(o.memory), cpu.subtract(o.cpu));
    }

    boolean holds(Space o) {
      return memory.compareTo(o.memory) >= 0 && cpu.compareTo(o.cpu) >= 0;
    }

    /** "6Gi memory, 2.5 CPU". */
    public String describe() {
      return memory
              .divide(GI, 1, java.math.RoundingMode.HALF_UP)
              .stripTrailingZeros()
              .toPlainString()
          + "Gi memory, "
          + cpu.stripTrailingZeros().toPlainString()
          + " CPU";
    }
  }

  /**
   * The verdict.
   *
   * @param fits every pod has a place
   * @param needed what the pods request together
   * @param free what the other nodes have free together
   */
  public record Verdict(boolean fits, Space needed, Space free) {}

  /**
   * @param leaving the virt-launcher pods that have to move
   * @param targets the nodes they may move to, each with the pods already on it
   */
  public static Verdict check(List<Pod> leaving, Map<Node, List<Pod>> targets) {
    List<Space> free = new ArrayList<>();
    targets.forEach((node, pods) -> free.add(free(node, pods)));
    List<Space> needs =
        leaving.stream()
            .map(RoomForVms::requests)
            .sorted(Comparator.comparing(Space::memory).reversed())
            .toList();
    Space needed = needs.stream().reduce(Space.NONE, Space::plus);
    Space freeTotal = free.stream().reduce(Space.NONE, Space::plus);
    boolean fits = true;
    for (Space need : needs) {
      int at = -1;
      for (int i = 0; i < free.size() && at < 0; i++) {
        if (free.get(i).holds(need)) {
          at = i;
        }
      }
      if (at < 0) {
        fits = false;
        break;
      }
      free.set(at, free.get(at).minus(need));
    }
    return new Verdict(fits, needed, freeTotal);
  }

  /** Allocatable less what the unfinished pods on the node request. */
  static Space free(Node node, List<Pod> pods) {
    Map<String, Quantity> allocatable =
        node.getStatus() == null ? null : node.getStatus().getAllocatable();
    Space space =
        allocatable == null
            ? Space.NONE
            : new Space(amount(allocatable.get("memory")), amount(allocatable.get("cpu")));
    for (Pod pod : pods) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
        space = space.minus(requests(pod));
      }
    }
    return space;
  }

  /** What a pod's containers request (init containers run before, so they do not add up). */
  static Space requests(Pod pod) {
    Space total = Space.NONE;
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return total;
    }
    for (var container : pod.getSpec().getContainers()) {
      var resources = container.getResources();
      Map<String, Quantity> requests = resources == null ? null : resources.getRequests();
      if (requests != null) {
        total = total.plus(new Space(amount(requests.get("memory")), amount(requests.get("cpu"))));
      }
    }
    return total;
  }

  private static BigDecimal amount(Quantity q) {
    return q == null ? BigDecimal.ZERO : q.getNumericalAmount();
  }
}
