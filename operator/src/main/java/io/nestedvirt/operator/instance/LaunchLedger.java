package io.nestedvirt.operator.instance;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this process knows about launches it made, beyond what status says: which machines it
 * created itself (so it knows their whole history) and when it last sent RunInstances for each,
 * with the instance EC2 answered. Terminating a machine whose launch may have landed must not lose
 * that instance, even when the status write that would have recorded it failed. In memory only: a
 * restarted operator treats the machines it did not create as of unknown history.
 */
public final class LaunchLedger {
  /** The last RunInstances sent for a machine; {@code instanceId} once EC2 answered with one. */
  public record Attempt(Instant sentAt, String instanceId) {}

  private final Set<String> created = ConcurrentHashMap.newKeySet();
  private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();

  /** The pool controller of this process created the machine with this uid. */
  public void created(String uid) {
    created.add(uid);
  }

  public boolean createdHere(String uid) {
    return created.contains(uid);
  }

  void sending(String uid, Instant at) {
    attempts.put(uid, new Attempt(at, null));
  }

  void launched(String uid, String instanceId) {
    attempts.computeIfPresent(uid, (k, a) -> new Attempt(a.sentAt(), instanceId));
  }

  /** EC2 refused the launch outright: nothing of it can appear later. */
  void refused(String uid) {
    attempts.remove(uid);
  }

  Optional<Attempt> attempt(String uid) {
    return Optional.ofNullable(attempts.get(uid));
  }

  /** The machine is gone. */
  void forget(String uid) {
    created.remove(uid);
    attempts.remove(uid);
  }
}
