package io.nestedvirt.operator.interruption;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * EventBridge messages as the interruption queue receives them, in the shapes AWS documents for
 * each event (src/test/resources/interruption), with the instance, state or time a test needs.
 */
public final class Messages {
  public static final String INSTANCE = "i-0b662ef9931388ba0";

  private Messages() {}

  public static String spotInterruption(String instanceId) {
    return read("spot-interruption.json").replace(INSTANCE, instanceId);
  }

  public static String rebalance(String instanceId) {
    return read("rebalance.json").replace(INSTANCE, instanceId);
  }

  public static String stateChange(String instanceId, String state) {
    return read("state-change.json").replace(INSTANCE, instanceId).replace("STATE", state);
  }

  /** A retirement scheduled for {@code instanceId} and the message's second instance. */
  public static String scheduledChange(String instanceId) {
    return read("health-scheduled-change.json").replace(INSTANCE, instanceId);
  }

  static String read(String name) {
    try (InputStream in = Messages.class.getResourceAsStream("/interruption/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource interruption/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
