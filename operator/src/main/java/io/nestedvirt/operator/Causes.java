package io.nestedvirt.operator;

/** Finds the exception that matters inside the layers of wrapping a framework adds. */
final class Causes {
  private Causes() {}

  /** The first throwable of {@code type} in {@code e}'s cause chain, {@code e} included. */
  static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
