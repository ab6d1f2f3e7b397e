package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's instance type offerings by zone, read at most once per TTL (the instance type
 * catalog's): every pool places its launches by them, and they change a few times a year.
 *
 * <p>A failed read never blocks launching: the last answer is kept, or, before the first one,
 * nothing is known and every type counts as offered (EC2's refusal at launch then teaches the
 * operator). A role that lacks {@code ec2:DescribeInstanceTypeOfferings} after an upgrade degrades
 * to that, with a warning, instead of stopping every pool. Failed reads are retried after {@link
 * #RETRY_AFTER_FAILURE}, not on every call.
 */
final class ZoneOfferingsCache {
  static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(ZoneOfferingsCache.class);

  private final Supplier<ZoneOfferings> loader;
  private final Duration ttl;
  private final Clock clock;

  private ZoneOfferings offerings;
  private Instant nextLoad;

  ZoneOfferingsCache(Supplier<ZoneOfferings> loader, Duration ttl, Clock clock) {
    this.loader = Objects.requireNonNull(loader);
    this.ttl = Objects.requireNonNull(ttl);
    this.clock = Objects.requireNonNull(clock);
  }

  synchronized ZoneOfferings offerings() {
    Instant now = clock.instant();
    if (offerings != null && now.isBefore(nextLoad)) {
      return offerings;
    }
    try {
      offerings = loader.get();
      nextLoad = now.plus(ttl);
    } catch (CloudException e) {
      if (offerings == null) {
        offerings = ZoneOfferings.UNKNOWN;
      }
      nextLoad = now.plus(RETRY_AFTER_FAILURE.compareTo(ttl) < 0 ? RETRY_AFTER_FAILURE : ttl);
      LOG.warn(
          "Reading instance type offerings (ec2:DescribeInstanceTypeOfferings) failed; placing by"
              + " {} until {}: {}",
          offerings.known() ? "the last answer" : "no offerings (any zone)",
          nextLoad,
          e.getMessage());
    }
    return offerings;
  }
}
