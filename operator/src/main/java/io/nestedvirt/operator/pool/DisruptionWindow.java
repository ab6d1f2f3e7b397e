package io.nestedvirt.operator.pool;

import java.time.Instant;
import java.util.Optional;

/** TEMPORARY stand-in until the helper's window lands. */
public final class DisruptionWindow {
  public static Optional<DisruptionWindow> of(String schedule, String duration) {
    if (schedule == null && duration == null) {
      return Optional.empty();
    }
    throw new IllegalArgumentException("not yet");
  }

  public boolean isOpen(Instant now) {
    return true;
  }

  public Instant opensAt(Instant now) {
    return now;
  }

  public String describe(Instant now) {
    return "";
  }
}
