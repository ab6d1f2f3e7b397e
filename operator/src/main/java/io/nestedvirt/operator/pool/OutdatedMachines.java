package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.launch.Drift;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pure: which of a pool's serving machines no longer match it, and why: drifted (see {@link Drift})
 * or expired (launched longer than {@code spec.disruption.expireAfter} ago). Only launched machines
 * can expire; a machine not launched yet that drifted is replaced at no cost.
 *
 * @param why each outdated machine's name and why, in words ("drifted: ...", "expired: ...")
 * @param drifted how many drifted
 * @param expired how many expired (and did not drift)
 * @param nextExpiry when the next machine that has not expired yet will, if the pool sets a limit
 */
record OutdatedMachines(
    Map<String, String> why, int drifted, int expired, Optional<Instant> nextExpiry) {
  static final OutdatedMachines NONE = new OutdatedMachines(Map.of(), 0, 0, Optional.empty());

  static OutdatedMachines of(
      List<NestedVirtInstance> serving,
      NestedVirtPoolSpec spec,
      Optional<String> image,
      Instant now) {
    Optional<Duration> expireAfter = DisruptionSpec.of(spec).expiry();
    Map<String, String> why = new LinkedHashMap<>();
    int drifted = 0;
    int expired = 0;
    Optional<Instant> nextExpiry = Optional.empty();
    for (NestedVirtInstance m : serving) {
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
    return new OutdatedMachines(Map.copyOf(why), drifted, expired, nextExpiry);
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
