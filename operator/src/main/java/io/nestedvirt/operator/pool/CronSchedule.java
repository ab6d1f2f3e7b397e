package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week), read in UTC the
 * way Kubernetes CronJobs and Karpenter's disruption budgets read it: {@code *}, lists, ranges,
 * steps ({@code *}/n, a-b/n, and a/n meaning a-max/n), month names JAN-DEC, day names SUN-SAT (any
 * case), day-of-week 0-7 with both 0 and 7 meaning Sunday, and the macros yearly, annually,
 * monthly, weekly, daily, midnight and hourly (written with a leading {@code @}). When both
 * day-of-month and day-of-week are restricted, a day matches if either matches (cron's rule); when
 * one of them is {@code *}, the other decides.
 *
 * <p>{@link #parse} rejects an expression that can never fire (such as {@code 0 0 30 2 *}), so
 * {@link #next} and {@link #previous} always find a time. Both skip whole months, days and hours
 * that cannot match, so a search costs at most a few thousand steps. Pure: it never reads a clock.
 */
public final class CronSchedule {
  /**
   * The shape of what {@link #parse} accepts, for the CRD's {@code @Pattern}: five fields of
   * digits, names, {@code * , / -}, or a macro. The API server can only check the shape; {@link
   * #parse} says precisely what is wrong (out-of-range values, unknown names, a schedule that never
   * fires).
   */
  public static final String SHAPE = DisruptionSpec.SCHEDULE;

  private static final String HOW =
      "a schedule has 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 22 * * 1-5\"";

  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  private static final List<String> MONTH_NAMES =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAY_NAMES =
      List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  /**
   * The most steps {@link #next} or {@link #previous} may take. A step skips a month, a day or an
   * hour, or lands on the fire time, so a year costs at most about 380 steps, and a schedule that
   * parses fires at least every 8 years (Feb 29 skips 2100): about 3,100 steps. The budget only
   * guards a bug; stepping minute by minute would exceed it within a week.
   */
  static final int MAX_STEPS = 10_000;

  private final String expression;
  private final long minutes;
  private final long hours;
  private final long daysOfMonth;
  private final long months;
  private final long daysOfWeek;
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private CronSchedule(String expression, Field[] fields) {
    this.expression = expression;
    this.minutes = fields[0].bits;
    this.hours = fields[1].bits;
    this.daysOfMonth = fields[2].bits;
    this.months = fields[3].bits;
    // 7 is Sunday too: fold it onto 0, the day java.time's Sunday maps to below.
    long dow = fields[4].bits;
    this.daysOfWeek = (dow & ~(1L << 7)) | ((dow >>> 7) & 1L);
    this.anyDayOfMonth = fields[2].star;
    this.anyDayOfWeek = fields[4].star;
  }

  /**
   * Reads an expression.
   *
   * @throws IllegalArgumentException whose message starts with {@code schedule "<expression>": },
   *     says what is wrong and how a schedule is written
   */
  public static CronSchedule parse(String expression) {
    String text = expression == null ? "" : expression.strip();
    if (text.isEmpty()) {
      throw bad(text, "is empty");
    }
    String fieldsText = text;
    if (text.startsWith("@")) {
      fieldsText = MACROS.get(text);
      if (fieldsText == null) {
        throw bad(
            text,
            "\""
                + text
                + "\" is not a supported macro: use @yearly, @annually, @monthly, @weekly,"
                + " @daily, @midnight or @hourly");
      }
    } else if (text.regionMatches(true, 0, "TZ=", 0, 3)
        || text.regionMatches(true, 0, "CRON_TZ=", 0, 8)) {
      throw bad(text, "time zones are not supported, schedules are in UTC: remove the TZ= prefix");
    }
    String[] parts = fieldsText.split("\\s+");
    if (parts.length != 5) {
      throw bad(text, "has " + parts.length + " field" + (parts.length == 1 ? "" : "s"));
    }
    Field[] fields = new Field[5];
    for (int i = 0; i < 5; i++) {
      fields[i] = Kind.values()[i].parse(text, parts[i]);
    }
    CronSchedule schedule = new CronSchedule(text, fields);
    schedule.checkFires(parts[2], parts[3]);
    return schedule;
  }

  /** The first fire time strictly after {@code after} (fire times are whole minutes). */
  public Instant next(Instant after) {
    LocalDateTime t =
        LocalDateTime.ofInstant(after, ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MINUTES)
            .plusMinutes(1);
    for (int step = 0; step < MAX_STEPS; step++) {
      if (!has(months, t.getMonthValue())) {
        t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
        continue;
      }
      if (!dayMatches(t.toLocalDate())) {
        t = t.toLocalDate().plusDays(1).atStartOfDay();
        continue;
      }
      int hour = nextBit(hours, t.getHour());
      if (hour < 0) {
        t = t.toLocalDate().plusDays(1).atStartOfDay();
        continue;
      }
      if (hour != t.getHour()) {
        t = t.toLocalDate().atTime(hour, 0);
      }
      int minute = nextBit(minutes, t.getMinute());
      if (minute < 0) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
        continue;
      }
      return t.withMinute(minute).toInstant(ZoneOffset.UTC);
    }
    throw new IllegalStateException(
        "schedule \""
            + expression
            + "\": no fire time after "
            + after
            + " in "
            + MAX_STEPS
            + " steps");
  }

  /** The latest fire time at or before {@code atOrBefore}. */
  public Instant previous(Instant atOrBefore) {
    LocalDateTime t =
        LocalDateTime.ofInstant(atOrBefore, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
    for (int step = 0; step < MAX_STEPS; step++) {
      if (!has(months, t.getMonthValue())) {
        t = t.toLocalDate().withDayOfMonth(1).atStartOfDay().minusMinutes(1);
        continue;
      }
      if (!dayMatches(t.toLocalDate())) {
        t = t.toLocalDate().atStartOfDay().minusMinutes(1);
        continue;
      }
      int hour = previousBit(hours, t.getHour());
      if (hour < 0) {
        t = t.toLocalDate().atStartOfDay().minusMinutes(1);
        continue;
      }
      if (hour != t.getHour()) {
        t = t.toLocalDate().atTime(hour, 59);
      }
      int minute = previousBit(minutes, t.getMinute());
      if (minute < 0) {
        t = t.truncatedTo(ChronoUnit.HOURS).minusMinutes(1);
        continue;
      }
      return t.withMinute(minute).toInstant(ZoneOffset.UTC);
    }
    throw new IllegalStateException(
        "schedule \""
            + expression
            + "\": no fire time at or before "
            + atOrBefore
            + " in "
            + MAX_STEPS
            + " steps");
  }

  /** The expression as written (trimmed), for messages. */
  @Override
  public String toString() {
    return expression;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule c && c.expression.equals(expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }

  private boolean dayMatches(LocalDate day) {
    boolean dom = has(daysOfMonth, day.getDayOfMonth());
    boolean dow = has(daysOfWeek, day.getDayOfWeek().getValue() % 7);
    return anyDayOfMonth || anyDayOfWeek ? dom && dow : dom || dow;
  }

  /**
   * Only a restricted day-of-month with an unrestricted day-of-week can miss every day (every month
   * has every weekday, and the OR rule lets the weekdays fire): it fires if one of its days exists
   * in one of its months, February counting 29 days.
   */
  private void checkFires(String domText, String monthText) {
    if (anyDayOfMonth || !anyDayOfWeek) {
      return;
    }
    for (Month month : Month.values()) {
      if (has(months, month.getValue())
          && Long.numberOfTrailingZeros(daysOfMonth) <= month.maxLength()) {
        return;
      }
    }
    throw bad(
        expression,
        "day-of-month "
            + domText
            + " never falls in month "
            + monthText
            + ", so the schedule never fires: choose days that exist in those months");
  }

  private static boolean has(long bits, int value) {
    return (bits >>> value & 1L) != 0;
  }

  private static int nextBit(long bits, int from) {
    long rest = bits & (-1L << from);
    return rest == 0 ? -1 : Long.numberOfTrailingZeros(rest);
  }

  private static int previousBit(long bits, int from) {
    long rest = bits & (-1L >>> (63 - from));
    return rest == 0 ? -1 : 63 - Long.numberOfLeadingZeros(rest);
  }

  private static IllegalArgumentException bad(String expression, String problem) {
    return new IllegalArgumentException("schedule \"" + expression + "\": " + problem + "; " + HOW);
  }

  /** One parsed field: the values it allows, and whether it was {@code *} (for the day rule). */
  private record Field(long bits, boolean star) {}

  /** The five fields, their ranges and names. */
  private enum Kind {
    MINUTE("minute", 0, 59, 59, List.of()),
    HOUR("hour", 0, 23, 23, List.of()),
    DAY_OF_MONTH("day-of-month", 1, 31, 31, List.of()),
    MONTH("month", 1, 12, 12, MONTH_NAMES),
    // * and open steps cover 0-6; 7 (Sunday again) is accepted when written.
    DAY_OF_WEEK("day-of-week", 0, 6, 7, DAY_NAMES);

    private final String label;
    private final int min;
    private final int max;
    private final int maxWritten;
    private final List<String> names;

    Kind(String label, int min, int max, int maxWritten, List<String> names) {
      this.label = label;
      this.min = min;
      this.max = max;
      this.maxWritten = maxWritten;
      this.names = names;
    }

    Field parse(String expression, String text) {
      long bits = 0;
      boolean star = false;
      for (String item : text.split(",", -1)) {
        if (item.isEmpty()) {
          throw bad(expression, label + " \"" + text + "\" has an empty list item");
        }
        String[] rangeAndStep = item.split("/", -1);
        if (rangeAndStep.length > 2) {
          throw bad(expression, label + " \"" + item + "\" has more than one step (/)");
        }
        int step = 1;
        if (rangeAndStep.length == 2) {
          step = number(expression, rangeAndStep[1], label + " step in \"" + item + "\"");
          if (step < 1) {
            throw bad(expression, label + " step in \"" + item + "\" must be 1 or more");
          }
        }
        String range = rangeAndStep[0];
        int low;
        int high;
        if (range.equals("*")) {
          low = min;
          high = max;
          star |= step == 1;
        } else {
          String[] ends = range.split("-", -1);
          if (ends.length > 2) {
            throw bad(expression, label + " range \"" + range + "\" has more than one -");
          }
          if (ends[0].isEmpty() || ends.length == 2 && ends[1].isEmpty()) {
            throw bad(expression, label + " range \"" + range + "\" is missing a value");
          }
          low = value(expression, ends[0]);
          // a/n means a-max/n, as in Kubernetes (robfig/cron).
          high =
              ends.length == 2 ? value(expression, ends[1]) : rangeAndStep.length == 2 ? max : low;
          if (high < low) {
            throw bad(
                expression,
                label
                    + " range "
                    + range
                    + " goes backwards: write the smaller value first (cron ranges do not wrap)");
          }
        }
        for (int v = low; v <= high; v += step) {
          bits |= 1L << v;
        }
      }
      return new Field(bits, star);
    }

    /** A number or a name, checked against the field's range. */
    private int value(String expression, String text) {
      int index = names.indexOf(text.toUpperCase(Locale.ROOT));
      int value;
      if (index >= 0) {
        value = index + min;
      } else {
        value = number(expression, text, label + " \"" + text + "\"");
      }
      if (value < min || value > maxWritten) {
        throw bad(
            expression,
            label + " " + value + " is out of range " + min + "-" + maxWritten + namesHint());
      }
      return value;
    }

    private int number(String expression, String text, String what) {
      if (text.equals("?")) {
        // Quartz and robfig/cron accept ? for "any day"; the CRD's pattern does not.
        throw bad(expression, what + " is not supported: write * instead");
      }
      if (text.isEmpty()
          || text.length() > 9
          || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw bad(expression, what + " is not a number" + namesHint());
      }
      return Integer.parseInt(text);
    }

    private String namesHint() {
      return names.isEmpty() ? "" : " (or a name " + names.getFirst() + "-" + names.getLast() + ")";
    }
  }
}
