package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The error status handler runs when a reconcile already failed: it must never throw itself, or
 * JOSDK would lose the retry. Here the status write fails (a context that cannot write), and the
 * handler still answers "no status update", leaving the retry to JOSDK.
 */
class ErrorStatusTest {
  @Test
  void aStatusThatCannotBeWrittenDoesNotMakeTheErrorHandlerThrow() {
    PoolController controller =
        new PoolController(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            Clock.systemUTC(),
            Duration.ofSeconds(30),
            Duration.ofMinutes(3),
            Duration.ofMinutes(5),
            null,
            null,
            OperatorMetrics.prometheus(),
            VmInventory.NONE,
            new io.nestedvirt.operator.autoscaling.ScaleDecisions(),
            p -> java.util.Optional.empty(),
            null,
            null);
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName("p").withUid("u").withGeneration(1L).build());

    var control =
        controller.updateErrorStatus(pool, failingContext(3), new IllegalStateException("boom"));

    assertThat(control.getResource()).isEmpty();
    assertThat(control.isNoRetry()).as("JOSDK keeps retrying").isFalse();
  }

  @Test
  void theMessageSaysWhatFailedWhereAndWhenTheNextAttemptIs() {
    String message =
        ErrorMessages.retrying(
            "checkTypes",
            new io.javaoperatorsdk.operator.OperatorException(
                new IllegalStateException("DescribeInstanceTypes throttled")),
            3,
            java.time.Instant.parse("2026-11-30T12:00:00.250Z"));

    assertThat(message)
        .isEqualTo(
            "reconcile failed in step checkTypes: IllegalStateException: DescribeInstanceTypes"
                + " throttled; failed 4 times in a row, next in 4s (at 2026-11-30T12:00:04Z)");
  }

  /** A context that knows the retry's attempt count and fails everything else. */
  @SuppressWarnings("unchecked")
  private static Context<NestedVirtPool> failingContext(int attempts) {
    RetryInfo retry =
        new RetryInfo() {
          @Override
          public int getAttemptCount() {
            return attempts;
          }

          @Override
          public boolean isLastAttempt() {
            return false;
          }
        };
    return (Context<NestedVirtPool>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getRetryInfo")) {
                return Optional.of(retry);
              }
              throw new IllegalStateException("the API server is unreachable");
            });
  }
}
