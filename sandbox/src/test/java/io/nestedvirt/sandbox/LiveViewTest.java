package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nestedvirt.operator.api.v1alpha1.AutoscalingSpec;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sandbox's live view: what it shows, and that only a terminal gets escape codes. */
class LiveViewTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:30Z");

  @Test
  void aPoolRowCountsItsInstancesByPhase() {
    NestedVirtPool pool = pool("kubevirt", 4, "Launching", "Joining", "Verifying", "Ready");

    PoolRow row = PoolRow.of(pool);

    assertThat(row).isEqualTo(new PoolRow("kubevirt", 4, 1, 1, 1, 1, 0, 0, "InstancesStarting"));
  }

  @Test
  void aRollingPoolShowsItsDrainingAndUpToDateNodesAndWhyItRolls() {
    NestedVirtPool pool = pool("kubevirt", 3, "Ready", "Ready", "Ready", "Draining");
    pool.getStatus().updatedReplicas = 1;
    Condition upToDate = new Condition();
    upToDate.type = "NodesUpToDate";
    upToDate.status = "False";
    upToDate.reason = "Rolling";
    upToDate.message = "";
    pool.getStatus().conditions.add(upToDate);

    List<String> lines =
        LiveView.render(Duration.ofSeconds(5), List.of(PoolRow.of(pool)), 0, List.of(), NOW, false);

    assertThat(lines).anySatisfy(l -> assertThat(l).contains("DRAINING").contains("UP-TO-DATE"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .containsPattern(
                        "^kubevirt\\s+3\\s+0\\s+0\\s+0\\s+3\\s+1\\s+1\\s+InstancesStarting \\(Rolling\\)$"));
  }

  @Test
  void theViewShowsEachPoolAndTheNewestEventsLast() {
    List<Event> events =
        List.of(
            event("kubevirt", "Launched", "launched 1 m8i.2xlarge", "2026-11-26T10:00:05Z"),
            event("kata", "CapacityFallback", "c8i.xlarge has no capacity", "2026-11-26T10:00:20Z"),
            event("kata", "Launched", "launched 1 m8i.xlarge", "2026-11-26T10:00:10Z"));

    List<String> lines =
        LiveView.render(
            Duration.ofSeconds(75),
            List.of(PoolRow.of(pool("kubevirt", 3, "Ready", "Ready", "Verifying"))),
            0,
            EventRow.latest(events, 2),
            NOW,
            false);

    assertThat(lines.getFirst()).contains("1:15").contains("1 pool(s)").contains("Ctrl-C");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .containsPattern(
                        "^kubevirt\\s+3\\s+0\\s+0\\s+1\\s+2\\s+0\\s+0\\s+InstancesStarting$"));
    int launched = indexOf(lines, "launched 1 m8i.xlarge");
    int fallback = indexOf(lines, "c8i.xlarge has no capacity");
    assertThat(indexOf(lines, "launched 1 m8i.2xlarge")).as("only the newest 2").isEqualTo(-1);
    assertThat(launched).isPositive().isLessThan(fallback);
    assertThat(lines.get(fallback)).contains("10s").contains("CapacityFallback").contains("kata");
  }

  @Test
  void aTerminalGetsTheViewRedrawnInPlaceAndAPipeGetsPlainLines() {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    ProgressDisplay live = ProgressDisplay.choose(true, print(terminal));
    live.update(
        Duration.ofSeconds(1), List.of(pool("kata", 2, "Launching")), List.of(), List.of(), false);
    live.update(
        Duration.ofSeconds(2), List.of(pool("kata", 2, "Ready")), List.of(), List.of(), false);

    ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    ProgressDisplay plain = ProgressDisplay.choose(false, print(pipe));
    plain.update(
        Duration.ofSeconds(1), List.of(pool("kata", 2, "Launching")), List.of(), List.of(), false);
    plain.update(
        Duration.ofSeconds(2), List.of(pool("kata", 2, "Launching")), List.of(), List.of(), false);

    String frames = terminal.toString(StandardCharsets.UTF_8);
    assertThat(live.live()).isTrue();
    assertThat(frames).as("the second frame moves back over the first").contains("\u001b[");
    assertThat(frames.split("\u001b\\[\\d+F")).hasSize(2);
    plain.update(Duration.ofSeconds(3), List.of(), List.of(), List.of(), false);

    String lines = pipe.toString(StandardCharsets.UTF_8);
    assertThat(plain.live()).isFalse();
    assertThat(lines).doesNotContain("\u001b").contains("kata");
    assertThat(lines.lines())
        .as("a line only when progress changes, and one when the pool is gone")
        .hasSize(2)
        .last()
        .asString()
        .contains("kata")
        .endsWith("deleted");
  }

  @Test
  void aNoteStaysAboveTheLiveViewWhichRedrawsBelowItAndIsAPlainLineInAPipe() {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    ProgressDisplay live = ProgressDisplay.choose(true, print(terminal));
    live.update(
        Duration.ofSeconds(1), List.of(pool("kata", 2, "Ready")), List.of(), List.of(), false);
    int frameLines = terminal.toString(StandardCharsets.UTF_8).split("\n").length;
    terminal.reset();

    live.note("sandbox: EC2 warns: Spot interruption of i-0123 (machine kata-abcde)");
    String noted = terminal.toString(StandardCharsets.UTF_8);
    terminal.reset();
    live.update(
        Duration.ofSeconds(2), List.of(pool("kata", 2, "Launching")), List.of(), List.of(), false);
    String next = terminal.toString(StandardCharsets.UTF_8);

    assertThat(noted)
        .as("back over the frame, the note, then the frame again")
        .startsWith(
            String.format(ProgressDisplay.Live.UP, frameLines) + ProgressDisplay.Live.CLEAR_BELOW)
        .contains("sandbox: EC2 warns: Spot interruption of i-0123 (machine kata-abcde)\n");
    assertThat(noted.split("\n")).hasSize(frameLines + 1);
    assertThat(next)
        .as("the next frame moves back over the frame only, so the note stays")
        .startsWith(String.format(ProgressDisplay.Live.UP, frameLines));

    ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    ProgressDisplay.choose(false, print(pipe)).note("sandbox: EC2 stops i-0123 (machine m)");
    assertThat(pipe.toString(StandardCharsets.UTF_8))
        .isEqualTo("sandbox: EC2 stops i-0123 (machine m)" + System.lineSeparator());
  }

  @Test
  void theViewCountsPendingPodsAndShowsTheDesiredCountOfAnAutoscaledPool() {
    NestedVirtPool autoscaled = pool("burst", 0, "Launching", "Launching");
    autoscaled.getSpec().replicas = null;
    autoscaled.getSpec().autoscaling = new AutoscalingSpec();
    autoscaled.getSpec().autoscaling.maxReplicas = 3;
    autoscaled.getStatus().desiredReplicas = 2;

    List<String> lines =
        LiveView.render(
            Duration.ofSeconds(5), List.of(PoolRow.of(autoscaled)), 2, List.of(), NOW, false);

    assertThat(lines.getFirst()).contains("2 pod(s) pending");
    assertThat(lines).anySatisfy(l -> assertThat(l).containsPattern("^burst\\s+2\\s+2\\s"));
  }

  @Test
  void plainLinesFollowAPodFromUnschedulableToBound() {
    ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    ProgressDisplay plain = ProgressDisplay.choose(false, print(pipe));
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("default")
            .withName("vm")
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage("no nodes available to schedule pods")
            .endCondition()
            .endStatus()
            .build();

    plain.update(Duration.ofSeconds(1), List.of(), List.of(pod), List.of(), false);
    plain.update(Duration.ofSeconds(2), List.of(), List.of(pod), List.of(), false);
    pod.getSpec().setNodeName("ip-10-0-1-5.ec2.internal");
    plain.update(Duration.ofSeconds(9), List.of(), List.of(pod), List.of(), false);

    assertThat(pipe.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "[  1.0s] pod default/vm               Unschedulable: no nodes available to schedule"
                + " pods",
            "[  9.0s] pod default/vm               bound to ip-10-0-1-5.ec2.internal");
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private static PrintStream print(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }

  private static NestedVirtPool pool(String name, int replicas, String... phases) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.getMetadata().setName(name);
    pool.getMetadata().setGeneration(1L);
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = replicas;
    pool.setSpec(spec);
    NestedVirtPoolStatus status = new NestedVirtPoolStatus();
    for (String phase : phases) {
      status.phaseCounts.merge(phase, 1, Integer::sum);
    }
    Condition ready = new Condition();
    ready.type = "Ready";
    boolean allReady = List.of(phases).stream().allMatch("Ready"::equals);
    ready.status = allReady && phases.length == replicas ? "True" : "False";
    ready.reason = "True".equals(ready.status) ? "Ready" : "InstancesStarting";
    ready.message = "";
    status.conditions.add(ready);
    status.replicas = phases.length;
    pool.setStatus(status);
    return pool;
  }

  private static Event event(String object, String reason, String message, String at) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(object + "." + reason)
        .withNamespace("default")
        .endMetadata()
        .withNewInvolvedObject()
        .withKind("NestedVirtPool")
        .withName(object)
        .endInvolvedObject()
        .withType("Normal")
        .withReason(reason)
        .withMessage(message)
        .withLastTimestamp(at)
        .build();
  }
}
