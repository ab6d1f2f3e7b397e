package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.PoolCapacityType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Instance types for which EC2 refused a Spot launch because of nested virtualization (EC2 does not
 * document whether Spot accepts it), remembered for {@link #REMEMBERED}: a pool whose {@code
 * capacityType} is {@code spot-then-on-demand} launches them on-demand meanwhile, and every pool
 * with Spot says so in its SpotAccepted condition. Shared by all pools: the refusal is EC2's, for
 * the type, not a pool's.
 */
public final class SpotRefusals {
  /**
   * How long a refusal is believed: EC2 may start accepting, and one refused launch an hour is
   * cheap.
   */
  public static final Duration REMEMBERED = Duration.ofHours(1);

  /** One remembered refusal: EC2's words, and until when it holds. */
  public record Refusal(String instanceType, String message, Instant until) {}

  private final Map<String, Refusal> byType = new ConcurrentHashMap<>();
  private final Clock clock;

  public SpotRefusals(Clock clock) {
    this.clock = clock;
  }

  public void refused(String instanceType, String message) {
    byType.put(instanceType, new Refusal(instanceType, message, clock.instant().plus(REMEMBERED)));
  }

  public Optional<Refusal> refusal(String instanceType) {
    Refusal r = byType.get(instanceType);
    if (r == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(r.until())) {
      byType.remove(instanceType, r);
      return Optional.empty();
    }
    return Optional.of(r);
  }

  /** The refusals that hold for any of the types, in their order. */
  public List<Refusal> refusals(Collection<String> instanceTypes) {
    return instanceTypes.stream()
        .map(this::refusal)
        .flatMap(Optional::stream)
        .filter(Objects::nonNull)
        .toList();
  }

  /**
   * How a new machine of the type is bought: a pool's {@code spot-then-on-demand} is Spot unless
   * EC2 refused the type on Spot lately, then on-demand; {@code spot} and {@code on-demand} are
   * what they say.
   */
  public CapacityType forMachine(PoolCapacityType pool, String instanceType) {
    return switch (pool) {
      case ON_DEMAND -> CapacityType.ON_DEMAND;
      case SPOT -> CapacityType.SPOT;
      case SPOT_THEN_ON_DEMAND ->
          refusal(instanceType).isPresent() ? CapacityType.ON_DEMAND : CapacityType.SPOT;
    };
  }
}
