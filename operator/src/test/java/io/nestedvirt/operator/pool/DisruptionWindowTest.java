package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When voluntary replacement may run. No test measures time. */
class DisruptionWindowTest {

  private static DisruptionWindow window(String schedule, String duration) {
    return DisruptionWindow.of(schedule, duration).orElseThrow();
  }

  private static Instant at(String utc) {
    return Instant.parse(utc);
  }

  @Test
  void noScheduleAndNoDurationMeansNoWindow() {
    assertThat(DisruptionWindow.of(null, null)).isEmpty();
    assertThat(DisruptionWindow.of("", " ")).isEmpty();
  }

  @Test
  void aScheduleWithoutADurationIsRejected() {
    assertThatThrownBy(() -> DisruptionWindow.of("0 22 * * *", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.disruption.schedule is set but spec.disruption.duration is not: set both (for"
                + " example schedule \"0 22 * * 1-5\" and duration \"8h\") or neither");
  }

  @Test
  void aDurationWithoutAScheduleIsRejected() {
    assertThatThrownBy(() -> DisruptionWindow.of(null, "8h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.disruption.duration is set but spec.disruption.schedule is not: set both (for"
                + " example schedule \"0 22 * * 1-5\" and duration \"8h\") or neither");
  }

  @Test
  void aBadScheduleNamesTheFieldAndTheProblem() {
    assertThatThrownBy(() -> DisruptionWindow.of("0 25 * * *", "8h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.disruption.schedule \"0 25 * * *\": hour 25 is out of range 0-23; a schedule"
                + " has 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 22 * * 1-5\"");
  }

  @Test
  void aBadDurationNamesTheFieldAndTheFormat() {
    assertThatThrownBy(() -> DisruptionWindow.of("0 22 * * *", "8 hours"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.disruption.duration: cannot read duration '8 hours': use numbers with ms, s, m"
                + " or h, like 90s or 1h30m");
  }

  @Test
  void aZeroDurationIsRejected() {
    assertThatThrownBy(() -> DisruptionWindow.of("0 22 * * *", "0s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.disruption.duration \"0s\" must be longer than 0: it is how long the window"
                + " stays open after each time the schedule fires, for example \"8h\"");
    assertThatThrownBy(() -> new DisruptionWindow(CronSchedule.parse("@daily"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ofReadsBothFields() {
    assertThat(DisruptionWindow.of(" 0 22 * * 1-5 ", "1h30m"))
        .contains(new DisruptionWindow(CronSchedule.parse("0 22 * * 1-5"), Duration.ofMinutes(90)));
  }

  /** The fire time itself is open; fire + duration is closed. */
  @ParameterizedTest(name = "{0} for {1} at {2}: open={3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # a window that spans midnight
          0 22 * * *   | 4h   | 2026-11-30T21:59:59.999Z | false
          0 22 * * *   | 4h   | 2026-11-30T22:00:00Z     | true
          0 22 * * *   | 4h   | 2026-11-30T23:59:59Z     | true
          0 22 * * *   | 4h   | 2026-12-01T00:00:00Z     | true
          0 22 * * *   | 4h   | 2026-12-01T01:59:59.999Z | true
          0 22 * * *   | 4h   | 2026-12-01T02:00:00Z     | false
          0 22 * * *   | 4h   | 2026-12-01T12:00:00Z     | false
          # weekdays only: Friday's window runs into Saturday, none opens on Saturday
          0 22 * * 1-5 | 8h   | 2026-12-05T05:59:00Z     | true
          0 22 * * 1-5 | 8h   | 2026-12-05T06:00:00Z     | false
          0 22 * * 1-5 | 8h   | 2026-12-05T23:00:00Z     | false
          0 22 * * 1-5 | 8h   | 2026-12-06T23:00:00Z     | false
          0 22 * * 1-5 | 8h   | 2026-12-07T23:00:00Z     | true
          # a window that spans a month and a year end
          0 22 31 * *  | 4h   | 2026-12-31T21:00:00Z     | false
          0 22 31 * *  | 4h   | 2027-01-01T01:00:00Z     | true
          0 22 31 * *  | 4h   | 2027-01-01T02:00:00Z     | false
          # across a leap day
          0 12 28 2 *  | 24h  | 2028-02-29T11:59:00Z     | true
          0 12 28 2 *  | 24h  | 2028-02-29T12:00:00Z     | false
          # long windows: a month of 720h, so 31-day months leave a gap
          @monthly     | 720h | 2027-01-01T00:00:00Z     | true
          @monthly     | 720h | 2027-01-30T23:59:00Z     | true
          @monthly     | 720h | 2027-01-31T00:00:00Z     | false
          @monthly     | 720h | 2027-01-31T23:59:59Z     | false
          @monthly     | 720h | 2027-02-01T00:00:00Z     | true
          @monthly     | 720h | 2027-03-02T23:59:00Z     | true
          # shorter than a minute
          * * * * *    | 30s  | 2026-11-30T10:00:29Z     | true
          * * * * *    | 30s  | 2026-11-30T10:00:30Z     | false
          # windows that overlap: open all the time from the first fire
          0 * * * *    | 90m  | 2026-11-30T10:59:00Z     | true
          0 0,2 * * *  | 3h   | 2026-11-30T04:59:00Z     | true
          0 0,2 * * *  | 3h   | 2026-11-30T05:00:00Z     | false
          """)
  void isOpenFromEachFireForTheDuration(
      String schedule, String duration, String now, boolean open) {
    assertThat(window(schedule, duration).isOpen(at(now))).isEqualTo(open);
  }

  @ParameterizedTest(name = "{0} for {1} at {2} closes at {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          0 22 * * *   | 4h   | 2026-11-30T22:00:00Z | 2026-12-01T02:00:00Z
          0 22 * * *   | 4h   | 2026-12-01T01:59:00Z | 2026-12-01T02:00:00Z
          * * * * *    | 30s  | 2026-11-30T10:00:10Z | 2026-11-30T10:00:30Z
          # overlapping windows close when the last of them does, not when the first does
          0 0,2 * * *  | 3h   | 2026-11-30T00:30:00Z | 2026-11-30T05:00:00Z
          # touching windows are one window
          0 0,3 * * *  | 3h   | 2026-11-30T00:30:00Z | 2026-11-30T06:00:00Z
          0 0,3 * * *  | 3h   | 2026-11-30T03:00:00Z | 2026-11-30T06:00:00Z
          # February's 720h reach past March 1st, into March's window
          @monthly     | 720h | 2027-02-10T00:00:00Z | 2027-03-31T00:00:00Z
          # weekdays for 48h: Monday to Friday's run on to Sunday 22:00
          0 22 * * 1-5 | 48h  | 2026-11-30T23:00:00Z | 2026-12-06T22:00:00Z
          # a yearly window that lasts almost a year still closes
          @yearly      | 8000h | 2027-09-01T00:00:00Z | 2027-11-30T08:00:00Z
          """)
  void closesAtTheEndOfTheLastOverlappingWindow(
      String schedule, String duration, String now, String closes) {
    assertThat(window(schedule, duration).closesAt(at(now))).contains(at(closes));
  }

  @Test
  void windowsThatAlwaysOverlapNeverClose() {
    DisruptionWindow hourlyFor90m = window("0 * * * *", "90m");
    Instant now = at("2026-11-30T10:15:00Z");
    assertThat(hourlyFor90m.closesAt(now)).isEmpty();
    assertThat(hourlyFor90m.describe(now))
        .isEqualTo(
            "window \"0 * * * *\" for 1h30m: open, does not close before 2027-03-10T10:15:00Z");
    assertThat(window("@monthly", "745h").closesAt(at("2027-01-01T00:00:00Z"))).isEmpty();
    assertThat(window("* * * * *", "1m").closesAt(now)).isEmpty();
  }

  /** Past the horizon the closing time is not looked for: the message stays true. */
  @Test
  void aWindowOpenLongerThanTheHorizonDoesNotCloseBeforeIt() {
    DisruptionWindow yearly = window("@yearly", "8000h");
    Instant now = at("2027-06-01T00:00:00Z");
    assertThat(yearly.closesAt(now)).isEmpty();
    assertThat(yearly.describe(now))
        .isEqualTo(
            "window \"@yearly\" for 8000h: open, does not close before 2027-09-09T00:00:00Z");
  }

  @Test
  void aClosedWindowHasNoClosingTime() {
    assertThat(window("0 22 * * *", "4h").closesAt(at("2026-11-30T12:00:00Z"))).isEmpty();
  }

  @Test
  void opensAtTheNextFireWhenClosedAndNowWhenOpen() {
    DisruptionWindow nightly = window("0 22 * * *", "4h");
    assertThat(nightly.opensAt(at("2026-11-30T12:00:00Z"))).isEqualTo(at("2026-11-30T22:00:00Z"));
    assertThat(nightly.opensAt(at("2026-12-01T02:00:00Z"))).isEqualTo(at("2026-12-01T22:00:00Z"));
    assertThat(nightly.opensAt(at("2026-12-01T01:00:00Z"))).isEqualTo(at("2026-12-01T01:00:00Z"));
  }

  @Test
  void describeSaysWhenTheWindowOpensOrCloses() {
    DisruptionWindow nightly = window("0 22 * * *", "4h");
    assertThat(nightly.describe(at("2026-12-01T10:00:00Z")))
        .isEqualTo("window \"0 22 * * *\" for 4h: closed, opens at 2026-12-01T22:00:00Z");
    assertThat(nightly.describe(at("2026-12-01T23:00:00Z")))
        .isEqualTo("window \"0 22 * * *\" for 4h: open, closes at 2026-12-02T02:00:00Z");
  }

  @Test
  void aWindowIsItsScheduleAndDuration() {
    assertThat(DisruptionWindow.of("@daily", "1h"))
        .isEqualTo(Optional.of(window("@daily", "60m")))
        .isNotEqualTo(Optional.of(window("0 0 * * *", "1h")));
  }
}
