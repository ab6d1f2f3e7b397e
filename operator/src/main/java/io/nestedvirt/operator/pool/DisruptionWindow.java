package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When voluntary replacement may run: from each time {@link #schedule} fires, for {@link #duration}
 * (spec.disruption.schedule and spec.disruption.duration, as Karpenter's disruption budgets).
 * Windows may overlap or touch: the window is open at {@code now} if any fire time {@code f} has
 * {@code f <= now < f + duration}, so a duration longer than the gap between fires keeps it open
 * from the first fire on. Pure: every question takes {@code now}.
 */
public record DisruptionWindow(CronSchedule schedule, Duration duration) {
  /**
   * How far {@link #closesAt} follows windows that overlap one another before it calls the window
   * open until further notice. Each round of that search jumps at least one window ahead, so a
   * schedule firing every minute for 1m (always open) costs about 144,000 rounds, a few
   * milliseconds; a longer horizon would only sharpen messages about windows that stay open for
   * months.
   */
  static final Duration HORIZON = Duration.ofDays(100);

  private static final String BOTH =
      "set both (for example schedule \"0 22 * * 1-5\" and duration \"8h\") or neither";

  public DisruptionWindow {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(
          "spec.disruption.duration \""
              + Durations.format(duration)
              + "\" must be longer than 0: it is how long the window stays open after each time"
              + " the schedule fires, for example \"8h\"");
    }
  }

  /**
   * The window of a pool's spec, or empty when neither field is set (replacement may run at any
   * time).
   *
   * @throws IllegalArgumentException with a message for the pool's status when only one field is
   *     set or a value is bad
   */
  public static Optional<DisruptionWindow> of(String schedule, String duration) {
    boolean hasSchedule = schedule != null && !schedule.isBlank();
    boolean hasDuration = duration != null && !duration.isBlank();
    if (!hasSchedule && !hasDuration) {
      return Optional.empty();
    }
    if (!hasDuration) {
      throw new IllegalArgumentException(
          "spec.disruption.schedule is set but spec.disruption.duration is not: " + BOTH);
    }
    if (!hasSchedule) {
      throw new IllegalArgumentException(
          "spec.disruption.duration is set but spec.disruption.schedule is not: " + BOTH);
    }
    CronSchedule cron;
    try {
      cron = CronSchedule.parse(schedule);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.disruption." + e.getMessage(), e);
    }
    Duration length;
    try {
      length = Durations.parse(duration);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.disruption.duration: " + e.getMessage(), e);
    }
    return Optional.of(new DisruptionWindow(cron, length));
  }

  /** Whether some fire time {@code f} has {@code f <= now < f + duration}. */
  public boolean isOpen(Instant now) {
    return !schedule.next(now.minus(duration)).isAfter(now);
  }

  /** When the window next opens: {@code now} itself when it is open. */
  public Instant opensAt(Instant now) {
    return isOpen(now) ? now : schedule.next(now);
  }

  /**
   * When the open window closes, following windows that overlap or touch it; empty when it is
   * closed at {@code now}, or stays open beyond {@link #HORIZON} (fires closer together than the
   * duration).
   */
  public Optional<Instant> closesAt(Instant now) {
    if (!isOpen(now)) {
      return Optional.empty();
    }
    Instant horizon = now.plus(HORIZON);
    Instant end = schedule.previous(now).plus(duration);
    // Each round jumps to the end of the latest window that began by the current end; the window
    // closes at an end no later window reaches past.
    while (!end.isAfter(horizon)) {
      Instant later = schedule.previous(end).plus(duration);
      if (!later.isAfter(end)) {
        return Optional.of(end);
      }
      end = later;
    }
    return Optional.empty();
  }

  /**
   * A short text for status messages, for example {@code window "0 22 * * *" for 4h: closed, opens
   * at 2026-12-01T22:00:00Z}.
   */
  public String describe(Instant now) {
    String head = "window \"" + schedule + "\" for " + Durations.format(duration) + ": ";
    if (!isOpen(now)) {
      return head + "closed, opens at " + schedule.next(now);
    }
    return closesAt(now)
        .map(end -> head + "open, closes at " + end)
        .orElseGet(() -> head + "open, does not close before " + now.plus(HORIZON));
  }
}
