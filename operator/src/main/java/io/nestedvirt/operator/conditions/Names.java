package io.nestedvirt.operator.conditions;

import java.util.Arrays;
import java.util.Optional;

/**
 * Reads an enum constant by the name stored in a status (a condition's reason, a phase). A newer
 * operator version may have written a name this version does not know (an operator rolled back);
 * that must read as "unknown here", never as an exception that stops every reconcile of the object.
 */
public final class Names {
  private Names() {}

  public static <E extends Enum<E>> Optional<E> parse(Class<E> type, String name) {
    return name == null
        ? Optional.empty()
        : Arrays.stream(type.getEnumConstants()).filter(e -> e.name().equals(name)).findFirst();
  }
}
