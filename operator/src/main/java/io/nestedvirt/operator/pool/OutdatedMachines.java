package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.launch.Drift;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pure: which of a pool's serving machines no longer match it, and why: EC2 scheduled a change for
 * its instance (a retirement, a stop, maintenance: see {@link InterruptionNotice}), it drifted (see
 * {@link Drift}) or it expired (launched longer than {@code spec.disruption.expireAfter} ago). Only
 * launched machines can expire; a machine not launched yet that drifted is replaced at no cost.
 *
 * @param why each outdated machine's name and why, in words ("scheduled: ...", "drifted: ...",
 *     "expired: ...")
 * @param scheduled the names of those whose instance EC2 scheduled a change for: replaced even
 *     outside the disruption window, since EC2 does not wait for it
 * @param drifted how many drifted (and have no scheduled change)
 * @param expired how many expired (and did neither)
 * @param nextExpiry when the next machine that has not expired yet will, if the pool sets a limit
 */
record OutdatedMachines(
    Map<String, String> why,
    Set<String> scheduled,
    int drifted,
    int expired,
    Optional<Instant> nextExpiry) {
  static final OutdatedMachines NONE =
      new OutdatedMachines(Map.of(), Set.of(), 0, 0, Optional.empty());

  static OutdatedMachines of(
      List<NestedVirtInstance> serving,
      NestedVirtPoolSpec spec,
      Optional<String> image,
      Instant now) {
    Optional<Duration> expireAfter = DisruptionSpec.of(spec).expiry();
    Map<String, String> why = new LinkedHashMap<>();
    Set<String> scheduled = new HashSet<>();
    int drifted = 0;
    int expired = 0;
    Optional<Instant> nextExpiry = Optional.empty();
    for (NestedVirtInstance m : serving) {
      Optional<InterruptionNotice> notice =
          m.interruption().filter(n -> n.kind() == InterruptionNotice.Kind.ScheduledChange);
      if (notice.isPresent()) {
        String from = notice.get().deadline() == null ? "" : ", from " + notice.get().deadline();
        why.put(m.name(), "scheduled: EC2 scheduled " + notice.get().detail() + from);
        scheduled.add(m.name());
        continue;
      }
      Drift drift = Drift.of(m, spec, image);
      if (drift.drifted()) {
        why.put(m.name(), "drifted: " + drift.describe());
        drifted++;
        continue;
      }
      Optional<Instant> launched = launchTime(m);
      if (expireAfter.isEmpty() || launched.isEmpty()) {
        continue;
      }
      Instant expires = launched.get().plus(expireAfter.get());
      if (now.isBefore(expires)) {
        nextExpiry =
            nextExpiry.map(t -> t.isBefore(expires) ? t : expires).or(() -> Optional.of(expires));
        continue;
      }
      why.put(
          m.name(),
          "expired: launched "
              + Durations.format(Duration.between(launched.get(), now).withNanos(0))
              + " ago, spec.disruption.expireAfter is "
              + Durations.format(expireAfter.get()));
      expired++;
    }
    return new OutdatedMachines(
        Map.copyOf(why), Set.copyOf(scheduled), drifted, expired, nextExpiry);
  }

  /** The outdated machines EC2 scheduled a change for, and why: what may go outside the window. */
  Map<String, String> scheduledOnly() {
    Map<String, String> only = new LinkedHashMap<>(why);
    only.keySet().retainAll(scheduled);
    return only;
  }

  boolean isEmpty() {
    return why.isEmpty();
  }

  /** The first few outdated machines and why, for the pool's condition. */
  String describe() {
    List<String> lines =
        why.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(e -> e.getKey() + " (" + e.getValue() + ")")
            .toList();
    int shown = 3;
    return String.join(", ", lines.subList(0, Math.min(shown, lines.size())))
        + (lines.size() > shown ? " and " + (lines.size() - shown) + " more" : "");
  }

  private static Optional<Instant> launchTime(NestedVirtInstance m) {
    return Optional.ofNullable(m.getStatus() == null ? null : m.getStatus().launchTime)
        .map(Instant::parse);
  }
}
