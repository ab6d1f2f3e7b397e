package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes EC2 warn about a machine's instance in a running sandbox, from kubectl: {@code kubectl
 * annotate nvi NAME sandbox.nestedvirt.io/interrupt=spot|rebalance|scheduled|stop}. It watches
 * NestedVirtInstances, finds the instance in {@code status.instanceId}, asks the emulator to warn
 * (or to stop the instance), says so in one line, and removes the annotation so that it can be
 * given again. A machine without an instance yet keeps its annotation until it has one.
 */
final class InterruptionTrigger implements AutoCloseable {
  static final String ANNOTATION = "sandbox.nestedvirt.io/interrupt";

  /** How far ahead on the emulator's clock a scheduled retirement starts. */
  static final Duration RETIREMENT_NOTICE = Duration.ofDays(3);

  private static final Logger log = LoggerFactory.getLogger(InterruptionTrigger.class);

  /** What the annotation can ask for. */
  enum Interruption {
    SPOT,
    REBALANCE,
    SCHEDULED,
    STOP;

    static Interruption parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }

  private final KubernetesClient client;
  private final Ec2Emulator ec2;
  private final SharedIndexInformer<NestedVirtInstance> informer;
  // Machines told once that they have no instance to warn about yet.
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();
  private volatile Consumer<String> say = System.out::println;

  InterruptionTrigger(KubernetesClient client, Ec2Emulator ec2) {
    this.client = client;
    this.ec2 = ec2;
    this.informer =
        client
            .resources(NestedVirtInstance.class)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(NestedVirtInstance machine) {
                    onChange(machine);
                  }

                  @Override
                  public void onUpdate(NestedVirtInstance before, NestedVirtInstance after) {
                    onChange(after);
                  }

                  @Override
                  public void onDelete(NestedVirtInstance machine, boolean unknownFinalState) {
                    waiting.remove(machine.getMetadata().getName());
                  }
                });
  }

  /** Where the one line per warning goes (default: standard output). */
  void sayTo(Consumer<String> sink) {
    this.say = sink;
  }

  private void onChange(NestedVirtInstance machine) {
    Map<String, String> annotations = machine.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(ANNOTATION);
    if (value == null) {
      return;
    }
    String name = machine.getMetadata().getName();
    String instanceId = machine.getStatus() == null ? null : machine.getStatus().instanceId;
    Interruption interruption = Interruption.parse(value);
    if (interruption != null && instanceId == null) {
      if (waiting.add(name)) {
        say.accept(
            "sandbox: machine " + name + " has no instance yet; EC2 warns once it is launched");
      }
      return;
    }
    waiting.remove(name);
    // Claim the request first: an older event still carrying the annotation then fails to
    // claim it again, so each annotation is acted on once.
    if (!removeAnnotation(name, value)) {
      return;
    }
    if (interruption == null) {
      say.accept(
          "sandbox: "
              + ANNOTATION
              + "="
              + value
              + " on machine "
              + name
              + " is not one of spot, rebalance, scheduled, stop; removed it");
      return;
    }
    say.accept(warn(interruption, instanceId, name));
  }

  /** Asks the emulator; the line that says what EC2 did, or why it could not. */
  private String warn(Interruption interruption, String instanceId, String machine) {
    String of = instanceId + " (machine " + machine + ")";
    try {
      return switch (interruption) {
        case SPOT -> {
          Instant reclaim = ec2.warnSpotInterruption(instanceId);
          yield "sandbox: EC2 warns: Spot interruption of "
              + of
              + "; it is taken back at "
              + reclaim.truncatedTo(ChronoUnit.SECONDS);
        }
        case REBALANCE -> {
          ec2.recommendRebalance(instanceId);
          yield "sandbox: EC2 warns: rebalance recommendation for " + of;
        }
        case SCHEDULED -> {
          // AWS Health states its times to the second.
          Instant start = ec2.now().plus(RETIREMENT_NOTICE).truncatedTo(ChronoUnit.SECONDS);
          ec2.scheduleRetirement(instanceId, start);
          yield "sandbox: EC2 warns: scheduled retirement of " + of + " from " + start;
        }
        case STOP -> {
          yield ec2.stopInstance(instanceId)
              ? "sandbox: EC2 stops " + of
              : "sandbox: EC2 cannot stop " + of + ": it is neither pending nor running";
        }
      };
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "sandbox: EC2 cannot warn about " + of + ": " + e.getMessage();
    }
  }

  /**
   * Removes the annotation if it still has this value (JSON Patch test and remove); false when it
   * has gone or changed meanwhile (422), or the machine has (404).
   */
  private boolean removeAnnotation(String name, String value) {
    String path = "/metadata/annotations/" + ANNOTATION.replace("~", "~0").replace("/", "~1");
    String patch =
        "[{\"op\":\"test\",\"path\":\""
            + path
            + "\",\"value\":"
            + Serialization.asJson(value)
            + "},{\"op\":\"remove\",\"path\":\""
            + path
            + "\"}]";
    try {
      client
          .resources(NestedVirtInstance.class)
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON), patch);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422 && e.getCode() != 404 && e.getCode() != 409) {
        log.warn("Cannot remove {} from machine {}", ANNOTATION, name, e);
      }
      return false;
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}
