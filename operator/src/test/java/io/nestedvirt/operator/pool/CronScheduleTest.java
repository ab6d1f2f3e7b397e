package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading cron expressions and finding their fire times, in UTC. No test measures time: the
 * searches are bounded by construction (they skip whole months, days and hours).
 */
class CronScheduleTest {
  private static final String HOW =
      "; a schedule has 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 22 * * 1-5\"";

  /** 2026-11-30 is a Monday. */
  @ParameterizedTest(name = "\"{0}\" after {1} fires at {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # every syntax element
          * * * * *            | 2026-11-30T10:15:30Z | 2026-11-30T10:16:00Z
          * * * * *            | 2026-11-30T10:15:00Z | 2026-11-30T10:16:00Z
          0,30 * * * *         | 2026-11-30T10:15:00Z | 2026-11-30T10:30:00Z
          0,30 * * * *         | 2026-11-30T10:30:00Z | 2026-11-30T11:00:00Z
          10-12 * * * *        | 2026-11-30T10:12:00Z | 2026-11-30T11:10:00Z
          */15 * * * *         | 2026-11-30T10:15:00Z | 2026-11-30T10:30:00Z
          10-40/15 * * * *     | 2026-11-30T10:25:00Z | 2026-11-30T10:40:00Z
          10-40/15 * * * *     | 2026-11-30T10:40:00Z | 2026-11-30T11:10:00Z
          50/5 * * * *         | 2026-11-30T10:55:00Z | 2026-11-30T11:50:00Z
          0 22 * * *           | 2026-11-30T22:00:00Z | 2026-12-01T22:00:00Z
          0 */6 * * *          | 2026-11-30T13:00:00Z | 2026-11-30T18:00:00Z
          30 8 1,15 * *        | 2026-11-30T00:00:00Z | 2026-12-01T08:30:00Z
          0 0 * 3-5 *          | 2026-11-30T00:00:00Z | 2027-03-01T00:00:00Z
          0 0 1 */4 *          | 2026-11-30T00:00:00Z | 2027-01-01T00:00:00Z
          0 0 1 */4 *          | 2027-01-01T00:00:00Z | 2027-05-01T00:00:00Z
          # month and day names, any case
          0 0 1 JAN,jul *      | 2026-11-30T00:00:00Z | 2027-01-01T00:00:00Z
          0 0 1 JAN,jul *      | 2027-01-01T00:00:00Z | 2027-07-01T00:00:00Z
          0 0 1 Mar-May *      | 2026-11-30T00:00:00Z | 2027-03-01T00:00:00Z
          0 9 * * mon-fri      | 2026-12-04T09:00:00Z | 2026-12-07T09:00:00Z
          0 9 * * SAT          | 2026-11-30T09:00:00Z | 2026-12-05T09:00:00Z
          # Sunday is 0 and 7; 5-7 is Friday to Sunday; */2 covers 0-6
          0 0 * * 0            | 2026-12-02T00:00:00Z | 2026-12-06T00:00:00Z
          0 0 * * 7            | 2026-12-02T00:00:00Z | 2026-12-06T00:00:00Z
          0 0 * * SUN          | 2026-12-02T00:00:00Z | 2026-12-06T00:00:00Z
          0 0 * * 5-7          | 2026-12-04T00:00:00Z | 2026-12-05T00:00:00Z
          0 0 * * 5-7          | 2026-12-05T00:00:00Z | 2026-12-06T00:00:00Z
          0 0 * * 5-7          | 2026-12-06T00:00:00Z | 2026-12-11T00:00:00Z
          0 0 * * */2          | 2026-12-05T00:00:00Z | 2026-12-06T00:00:00Z
          0 0 * * */2          | 2026-12-06T00:00:00Z | 2026-12-08T00:00:00Z
          # day-of-month OR day-of-week when both are restricted
          0 0 13 * 5           | 2026-12-05T00:00:00Z | 2026-12-11T00:00:00Z
          0 0 13 * 5           | 2026-12-11T00:00:00Z | 2026-12-13T00:00:00Z
          0 0 13 * 5           | 2026-12-13T00:00:00Z | 2026-12-18T00:00:00Z
          0 0 */10 * 1         | 2026-12-01T00:00:00Z | 2026-12-07T00:00:00Z
          0 0 */10 * 1         | 2026-12-07T00:00:00Z | 2026-12-11T00:00:00Z
          # one of them is *: the other alone decides
          0 0 13 * *           | 2026-12-05T00:00:00Z | 2026-12-13T00:00:00Z
          0 0 * * 5            | 2026-12-11T00:00:00Z | 2026-12-18T00:00:00Z
          # month and year ends, leap years
          0 0 31 * *           | 2026-11-30T00:00:00Z | 2026-12-31T00:00:00Z
          0 0 31 * *           | 2026-12-31T00:00:00Z | 2027-01-31T00:00:00Z
          0 0 31 * *           | 2027-01-31T00:00:00Z | 2027-03-31T00:00:00Z
          59 23 31 12 *        | 2026-12-31T23:59:00Z | 2027-12-31T23:59:00Z
          0 0 1 1 *            | 2026-12-31T23:59:59Z | 2027-01-01T00:00:00Z
          0 0 29 2 *           | 2026-03-01T00:00:00Z | 2028-02-29T00:00:00Z
          0 0 29 2 *           | 2028-02-29T00:00:00Z | 2032-02-29T00:00:00Z
          0 0 29 2 *           | 2096-02-29T00:00:00Z | 2104-02-29T00:00:00Z
          0 0 28-31 2 *        | 2027-02-28T00:00:00Z | 2028-02-28T00:00:00Z
          0 0 28-31 2 *        | 2028-02-28T00:00:00Z | 2028-02-29T00:00:00Z
          """)
  void nextFiresAtTheFirstMatchingMinuteStrictlyAfter(String expr, String after, String expected) {
    assertThat(CronSchedule.parse(expr).next(Instant.parse(after)))
        .isEqualTo(Instant.parse(expected));
  }

  @ParameterizedTest(name = "\"{0}\" at or before {1} fired at {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          0 22 * * *           | 2026-12-01T03:00:00Z | 2026-11-30T22:00:00Z
          0 22 * * *           | 2026-11-30T22:00:00Z | 2026-11-30T22:00:00Z
          0 22 * * *           | 2026-11-30T22:00:59Z | 2026-11-30T22:00:00Z
          0 22 * * *           | 2026-11-30T21:59:59Z | 2026-11-29T22:00:00Z
          10-40/15 * * * *     | 2026-11-30T10:09:00Z | 2026-11-30T09:40:00Z
          0 9 * * mon-fri      | 2026-12-07T08:59:00Z | 2026-12-04T09:00:00Z
          0 0 13 * 5           | 2026-12-12T00:00:00Z | 2026-12-11T00:00:00Z
          0 0 13 * 5           | 2026-12-17T00:00:00Z | 2026-12-13T00:00:00Z
          0 0 31 * *           | 2027-03-30T00:00:00Z | 2027-01-31T00:00:00Z
          0 0 1 1 *            | 2026-12-31T23:59:59Z | 2026-01-01T00:00:00Z
          0 0 29 2 *           | 2027-01-01T00:00:00Z | 2024-02-29T00:00:00Z
          0 0 29 2 *           | 2104-02-28T00:00:00Z | 2096-02-29T00:00:00Z
          @monthly             | 2026-03-01T00:00:00Z | 2026-03-01T00:00:00Z
          @monthly             | 2026-02-28T23:59:59Z | 2026-02-01T00:00:00Z
          """)
  void previousIsTheLatestFireAtOrBefore(String expr, String atOrBefore, String expected) {
    assertThat(CronSchedule.parse(expr).previous(Instant.parse(atOrBefore)))
        .isEqualTo(Instant.parse(expected));
  }

  /**
   * The longest gap a schedule can have, 8 years over 2100, which is not a leap year, is crossed
   * within {@link CronSchedule#MAX_STEPS} (which throws when exceeded): a search stepping minute by
   * minute would use up that budget within a week.
   */
  @Test
  void theLongestGapIsSearchedByMonthsAndDaysNotMinutes() {
    CronSchedule leapDay = CronSchedule.parse("30 12 29 2 *");
    assertThat(leapDay.next(Instant.parse("2096-02-29T12:30:00Z")))
        .isEqualTo("2104-02-29T12:30:00Z");
    assertThat(leapDay.previous(Instant.parse("2104-02-29T12:29:00Z")))
        .isEqualTo("2096-02-29T12:30:00Z");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "@yearly,   0 0 1 1 *",
    "@annually, 0 0 1 1 *",
    "@monthly,  0 0 1 * *",
    "@weekly,   0 0 * * 0",
    "@daily,    0 0 * * *",
    "@midnight, 0 0 * * *",
    "@hourly,   0 * * * *"
  })
  void macrosFireAsTheirFiveFields(String macro, String fields) {
    CronSchedule fromMacro = CronSchedule.parse(macro);
    CronSchedule fromFields = CronSchedule.parse(fields);
    Instant t = Instant.parse("2026-11-30T10:15:00Z");
    for (int i = 0; i < 5; i++) {
      Instant next = fromMacro.next(t);
      assertThat(next).as("%s after %s", macro, t).isEqualTo(fromFields.next(t));
      assertThat(fromMacro.previous(next)).isEqualTo(next);
      t = next;
    }
    assertThat(fromMacro).hasToString(macro);
  }

  @Test
  void macrosFireWhereTheirNamesSay() {
    Instant now = Instant.parse("2026-11-30T10:15:00Z");
    assertThat(CronSchedule.parse("@yearly").next(now)).isEqualTo("2027-01-01T00:00:00Z");
    assertThat(CronSchedule.parse("@monthly").next(now)).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(CronSchedule.parse("@weekly").next(now)).isEqualTo("2026-12-06T00:00:00Z");
    assertThat(CronSchedule.parse("@daily").next(now)).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(CronSchedule.parse("@hourly").next(now)).isEqualTo("2026-11-30T11:00:00Z");
  }

  @Test
  void spacesAroundAndBetweenFieldsAreIgnored() {
    assertThat(
            CronSchedule.parse("  0\t22  * *   1-5 ").next(Instant.parse("2026-11-30T00:00:00Z")))
        .isEqualTo("2026-11-30T22:00:00Z");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
          ''                | is empty
          0 22 * *          | has 4 fields
          0 22 * * * 2026   | has 6 fields
          0 25 * * *        | hour 25 is out of range 0-23
          60 * * * *        | minute 60 is out of range 0-59
          0 0 0 * *         | day-of-month 0 is out of range 1-31
          0 0 32 * *        | day-of-month 32 is out of range 1-31
          0 0 1 13 *        | month 13 is out of range 1-12 (or a name JAN-DEC)
          0 0 1 0 *         | month 0 is out of range 1-12 (or a name JAN-DEC)
          0 0 * * 8         | day-of-week 8 is out of range 0-7 (or a name SUN-SAT)
          0 0 1 JANX *      | month "JANX" is not a number (or a name JAN-DEC)
          0 0 * * MONDAY    | day-of-week "MONDAY" is not a number (or a name SUN-SAT)
          0 0 * JAN-MON *   | month "MON" is not a number (or a name JAN-DEC)
          abc * * * *       | minute "abc" is not a number
          0 0 ? * 1         | day-of-month "?" is not supported: write * instead
          0 0 * * ?         | day-of-week "?" is not supported: write * instead
          0 22-6 * * *      | hour range 22-6 goes backwards: write the smaller value first (cron ranges do not wrap)
          */0 * * * *       | minute step in "*/0" must be 1 or more
          */x * * * *       | minute step in "*/x" is not a number
          1/2/3 * * * *     | minute "1/2/3" has more than one step (/)
          1-2-3 * * * *     | minute range "1-2-3" has more than one -
          -5 * * * *        | minute range "-5" is missing a value
          5- * * * *        | minute range "5-" is missing a value
          1,,2 * * * *      | minute "1,,2" has an empty list item
          0 0 30 2 *        | day-of-month 30 never falls in month 2, so the schedule never fires: choose days that exist in those months
          0 0 31 4,6,9,11 * | day-of-month 31 never falls in month 4,6,9,11, so the schedule never fires: choose days that exist in those months
          0 0 30-31 FEB *   | day-of-month 30-31 never falls in month FEB, so the schedule never fires: choose days that exist in those months
          @every 1h         | "@every 1h" is not a supported macro: use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly
          @YEARLY           | "@YEARLY" is not a supported macro: use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly
          TZ=UTC 0 22 * * * | time zones are not supported, schedules are in UTC: remove the TZ= prefix
          CRON_TZ=Europe/Paris 0 22 * * * | time zones are not supported, schedules are in UTC: remove the TZ= prefix
          """)
  void badExpressionsSayWhatIsWrongAndHowToWriteOne(String expr, String problem) {
    assertThatThrownBy(() -> CronSchedule.parse(expr))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schedule \"" + expr + "\": " + problem + HOW);
  }

  @Test
  void aMissingExpressionIsEmpty() {
    assertThatThrownBy(() -> CronSchedule.parse(null)).hasMessage("schedule \"\": is empty" + HOW);
  }

  /** Days that exist in only some of the chosen months, or in leap years, still fire. */
  @ParameterizedTest
  @ValueSource(strings = {"0 0 29 2 *", "0 0 31 2,3 *", "0 0 30 2 1", "0 0 30 2 */2", "0 0 * 2 1"})
  void expressionsThatFireSometimesAreAccepted(String expr) {
    CronSchedule schedule = CronSchedule.parse(expr);
    Instant next = schedule.next(Instant.parse("2026-11-30T00:00:00Z"));
    assertThat(schedule.previous(next)).isEqualTo(next);
  }

  /** The day rule's OR lets Mondays fire in February although February has no 30th. */
  @Test
  void aMissingDayOfMonthStillFiresOnItsDaysOfWeek() {
    assertThat(CronSchedule.parse("0 0 30 2 1").next(Instant.parse("2026-11-30T00:00:00Z")))
        .isEqualTo("2027-02-01T00:00:00Z");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "* * * * *",
        "0 22 * * 1-5",
        "*/15 0-6/2 1,15 JAN-mar sun,SAT",
        "  0 22 * * 7 ",
        "50/5 * * * *",
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly"
      })
  void theShapeAcceptsWhatParseAccepts(String expr) {
    CronSchedule.parse(expr);
    assertThat(Pattern.matches(CronSchedule.SHAPE, expr)).as(expr).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0 22 * *", "0 22 * * * *", "0 0 ? * 1", "@every 1h", "0;22 * * * *"})
  void theShapeRejectsWhatIsNotFiveFieldsOrAMacro(String expr) {
    assertThat(Pattern.matches(CronSchedule.SHAPE, expr)).as(expr).isFalse();
  }
}
