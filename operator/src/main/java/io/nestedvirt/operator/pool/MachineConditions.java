package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import java.util.Optional;

/** Reads a machine's conditions as the instance controller last wrote them. */
final class MachineConditions {
  private MachineConditions() {}

  static Optional<Condition> get(NestedVirtInstance m, String type) {
    if (m.getStatus() == null || m.getStatus().conditions == null) {
      return Optional.empty();
    }
    return m.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst();
  }

  /** The condition if it has this reason. */
  static Optional<Condition> withReason(NestedVirtInstance m, String type, String reason) {
    return get(m, type).filter(c -> reason.equals(c.reason));
  }
}
