package io.nestedvirt.sandbox;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) or SIGTERM as a request to stop. A shutdown hook would run too late to report and
 * would end the JVM with 130/143; handling the signals lets the sandbox terminate its instances,
 * print its summary and exit 0. A second signal ends the process at once.
 */
final class StopSignal {
  private final CountDownLatch stopped = new CountDownLatch(1);

  private StopSignal() {}

  static StopSignal none() {
    return new StopSignal();
  }

  static StopSignal onSigintOrSigterm() {
    StopSignal stop = new StopSignal();
    for (String name : new String[] {"INT", "TERM"}) {
      Signal.handle(
          new Signal(name),
          signal -> {
            if (stop.stopped.getCount() == 0) {
              Runtime.getRuntime().halt(128 + signal.getNumber());
            }
            stop.stopped.countDown();
          });
    }
    return stop;
  }

  /** True once a stop was asked for, waiting at most {@code timeout}. */
  boolean await(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
