package io.nestedvirt.operator.interruption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice.Kind;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NoticeParserTest {
  private static final String ID = "i-0123456789abcdef0";

  @Test
  void aSpotWarningIsDueTwoMinutesAfterItWasSent() {
    NoticeParser.Parsed parsed = NoticeParser.parse(Messages.spotInterruption(ID));

    assertThat(parsed.notices())
        .containsExactly(
            InterruptionNotice.of(
                Kind.SpotInterruption,
                ID,
                "Spot interruption warning (instance-action terminate)",
                Instant.parse("2026-12-01T14:00:00Z"),
                Instant.parse("2026-12-01T14:02:00Z")));
    assertThat(parsed.notices().getFirst().kind().urgent()).isTrue();
  }

  @Test
  void aRebalanceRecommendationIsAWarningWithoutADeadline() {
    InterruptionNotice notice = NoticeParser.parse(Messages.rebalance(ID)).notices().getFirst();

    assertThat(notice.kind()).isEqualTo(Kind.RebalanceRecommendation);
    assertThat(notice.instanceId()).isEqualTo(ID);
    assertThat(notice.deadline()).isNull();
    assertThat(notice.kind().urgent()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"stopping", "stopped", "shutting-down", "terminated"})
  void anInstanceThatStopsOrTerminatesIsUrgent(String state) {
    InterruptionNotice notice =
        NoticeParser.parse(Messages.stateChange(ID, state)).notices().getFirst();

    assertThat(notice.kind()).isEqualTo(Kind.InstanceStopping);
    assertThat(notice.detail()).isEqualTo("instance " + state);
    assertThat(notice.deadline()).isEqualTo("2026-12-01T14:02:00Z");
    assertThat(notice.kind().urgent()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"pending", "running"})
  void anInstanceThatStartsIsNoNotice(String state) {
    NoticeParser.Parsed parsed = NoticeParser.parse(Messages.stateChange(ID, state));

    assertThat(parsed.notices()).isEmpty();
    assertThat(parsed.ignored()).isEqualTo("state change to " + state);
  }

  @Test
  void aHealthScheduledChangeNamesEveryAffectedInstanceWithItsRfc1123StartTime() {
    NoticeParser.Parsed parsed = NoticeParser.parse(Messages.scheduledChange(ID));

    assertThat(parsed.notices())
        .extracting(InterruptionNotice::instanceId)
        .containsExactly(ID, "i-0c1c2a3b4d5e6f708");
    InterruptionNotice notice = parsed.notices().getFirst();
    assertThat(notice.kind()).isEqualTo(Kind.ScheduledChange);
    assertThat(notice.deadline()).isEqualTo("2026-12-05T00:00:00Z");
    assertThat(notice.detail())
        .startsWith("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED: EC2 has detected degradation");
    assertThat(notice.kind().urgent()).isFalse();
  }

  @Test
  void healthEventsOtherThanEc2ScheduledChangesAreIgnored() {
    String issue = Messages.scheduledChange(ID).replace("\"scheduledChange\"", "\"issue\"");
    String rds =
        Messages.scheduledChange(ID).replace("\"service\": \"EC2\"", "\"service\": \"RDS\"");
    String closed = Messages.scheduledChange(ID).replace("\"upcoming\"", "\"closed\"");

    assertThat(NoticeParser.parse(issue).notices()).isEmpty();
    assertThat(NoticeParser.parse(rds).notices()).isEmpty();
    assertThat(NoticeParser.parse(closed).notices()).isEmpty();
    assertThat(NoticeParser.parse(rds).ignored()).isEqualTo("AWS Health RDS scheduledChange event");
  }

  @Test
  void anEventOfAnotherKindIsIgnoredAndSaysWhich() {
    String other =
        Messages.rebalance(ID)
            .replace("EC2 Instance Rebalance Recommendation", "EBS Volume Notification");

    NoticeParser.Parsed parsed = NoticeParser.parse(other);

    assertThat(parsed.notices()).isEmpty();
    assertThat(parsed.ignored()).isEqualTo("detail-type EBS Volume Notification");
  }

  @Test
  void whatIsNotAnEventIsRefusedWithWhy() {
    assertThatThrownBy(() -> NoticeParser.parse("hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not JSON");
    assertThatThrownBy(() -> NoticeParser.parse("{\"Message\":\"x\"}"))
        .hasMessage("not an EventBridge event (no detail-type)");
    assertThatThrownBy(() -> NoticeParser.parse(Messages.spotInterruption("not-an-instance")))
        .hasMessage("detail.instance-id is not an instance id: not-an-instance");
    assertThatThrownBy(
            () ->
                NoticeParser.parse(
                    Messages.spotInterruption(ID).replace("2026-12-01T14:00:00Z", "yesterday")))
        .hasMessage("time is not an ISO-8601 instant: yesterday");
  }

  @Test
  void healthTimesAreReadInEitherForm() {
    assertThat(NoticeParser.healthTime("Sat, 05 Dec 2026 00:00:00 GMT"))
        .isEqualTo(Instant.parse("2026-12-05T00:00:00Z"));
    assertThat(NoticeParser.healthTime("2026-12-05T00:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-05T00:00:00Z"));
  }

  @Test
  void aWeightierNoticeSupersedesALesserOneButNotTheOtherWayRound() {
    assertThat(Kind.SpotInterruption.supersedes(Kind.RebalanceRecommendation)).isTrue();
    assertThat(Kind.SpotInterruption.supersedes(Kind.ScheduledChange)).isTrue();
    assertThat(Kind.ScheduledChange.supersedes(Kind.RebalanceRecommendation)).isTrue();
    assertThat(Kind.RebalanceRecommendation.supersedes(Kind.SpotInterruption)).isFalse();
    assertThat(Kind.InstanceStopping.supersedes(Kind.SpotInterruption)).isFalse();
    assertThat(Kind.ScheduledChange.supersedes(Kind.ScheduledChange)).isFalse();
  }

  @Test
  void aNoticeSurvivesItsAnnotation() {
    InterruptionNotice notice =
        NoticeParser.parse(Messages.spotInterruption(ID)).notices().getFirst();

    assertThat(InterruptionNotice.parse(notice.toJson())).contains(notice);
    assertThat(InterruptionNotice.parse("{not json")).isEmpty();
    assertThat(InterruptionNotice.parse("{\"kind\":\"Meteor\"}")).isEmpty();
  }
}
