package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Quantities in base units: cpu in millicores; memory, ephemeral-storage, hugepages-*: bytes;
 * everything else (pods, devices.kubevirt.io/kvm, nvidia.com/gpu): a count. Immutable; amounts of
 * zero are not kept, so that equal resources compare equal however they were built.
 */
public record Resources(Map<String, Long> amounts) {
  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String PODS = "pods";
  public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
  private static final String HUGEPAGES_PREFIX = "hugepages-";

  public static final Resources NONE = new Resources(Map.of());

  private static final long KI = 1024;
  private static final long MI = KI * 1024;
  private static final long GI = MI * 1024;
  private static final long TI = GI * 1024;

  public Resources {
    SortedMap<String, Long> kept = new TreeMap<>();
    amounts.forEach(
        (name, amount) -> {
          if (amount != null && amount > 0) {
            kept.put(name, amount);
          }
        });
    amounts = Collections.unmodifiableSortedMap(kept);
  }

  /**
   * Kubernetes quantities in base units, rounded up: cpu to whole millicores (the scheduler's
   * precision), everything else to whole units. A null map is {@link #NONE}.
   */
  public static Resources of(Map<String, Quantity> quantities) {
    if (quantities == null || quantities.isEmpty()) {
      return NONE;
    }
    SortedMap<String, Long> amounts = new TreeMap<>();
    quantities.forEach(
        (name, quantity) -> {
          if (quantity != null) {
            BigDecimal base = Quantity.getAmountInBytes(quantity);
            if (CPU.equals(name)) {
              base = base.multiply(BigDecimal.valueOf(1000));
            }
            amounts.put(name, base.setScale(0, RoundingMode.CEILING).longValueExact());
          }
        });
    return new Resources(amounts);
  }

  /** One resource, for builders and tests: {@code Resources.of("cpu", 1500)}. */
  public static Resources of(String name, long amount) {
    return new Resources(Map.of(name, amount));
  }

  /** The amount of {@code name}, 0 when absent. */
  public long get(String name) {
    return amounts.getOrDefault(name, 0L);
  }

  public Resources plus(Resources o) {
    SortedMap<String, Long> sum = new TreeMap<>(amounts);
    o.amounts.forEach((name, amount) -> sum.merge(name, amount, Math::addExact));
    return new Resources(sum);
  }

  /** Each amount less {@code o}'s, never below 0. */
  public Resources minus(Resources o) {
    SortedMap<String, Long> rest = new TreeMap<>(amounts);
    o.amounts.forEach((name, amount) -> rest.computeIfPresent(name, (n, a) -> a - amount));
    return new Resources(rest);
  }

  /** The larger amount of each resource. */
  public Resources max(Resources o) {
    SortedMap<String, Long> larger = new TreeMap<>(amounts);
    o.amounts.forEach((name, amount) -> larger.merge(name, amount, Math::max));
    return new Resources(larger);
  }

  /** These amounts with {@code name} set to {@code amount} (0 removes it). */
  public Resources with(String name, long amount) {
    SortedMap<String, Long> changed = new TreeMap<>(amounts);
    changed.put(name, amount);
    return new Resources(changed);
  }

  /** These amounts without {@code name}. */
  public Resources without(String name) {
    return with(name, 0);
  }

  /** Every amount is at most {@code available}'s (a resource it lacks counts as 0). */
  public boolean fitsIn(Resources available) {
    return shortOf(available).isEmpty();
  }

  /**
   * Whether these amounts fit beside {@code used} within {@code capacity}: {@code
   * fitsIn(capacity.minus(used))} without building the difference, for the planner's inner loop.
   */
  boolean fitsBeside(Resources used, Resources capacity) {
    for (Map.Entry<String, Long> need : amounts.entrySet()) {
      if (need.getValue() + used.get(need.getKey()) > capacity.get(need.getKey())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The first resource (cpu, memory, pods, then by name) of which {@code available} has less than
   * these amounts, phrased for a human: {@code cpu: needs 2500m, 1930m free}.
   */
  public Optional<String> shortOf(Resources available) {
    return firstShort(available)
        .map(
            name ->
                name
                    + ": needs "
                    + describe(name, get(name))
                    + ", "
                    + describe(name, available.get(name))
                    + " free");
  }

  /** The first resource, in the order of {@link #shortOf}, of which {@code available} has less. */
  Optional<String> firstShort(Resources available) {
    for (String name : new String[] {CPU, MEMORY, PODS}) {
      if (get(name) > available.get(name)) {
        return Optional.of(name);
      }
    }
    return amounts.keySet().stream().filter(name -> get(name) > available.get(name)).findFirst();
  }

  /**
   * An amount the way kubectl users write it: cpu {@code 2} or {@code 1930m}; byte amounts in the
   * largest binary unit that holds them exactly ({@code 3788Mi}, {@code 4Gi}); counts as numbers.
   */
  public static String describe(String name, long amount) {
    if (CPU.equals(name)) {
      return amount % 1000 == 0 ? Long.toString(amount / 1000) : amount + "m";
    }
    if (!inBytes(name) || amount == 0) {
      return Long.toString(amount);
    }
    for (long unit : new long[] {TI, GI, MI, KI}) {
      if (amount % unit == 0) {
        return amount / unit + suffix(unit);
      }
    }
    return Long.toString(amount);
  }

  private static boolean inBytes(String name) {
    return MEMORY.equals(name)
        || EPHEMERAL_STORAGE.equals(name)
        || name.startsWith(HUGEPAGES_PREFIX);
  }

  private static String suffix(long unit) {
    if (unit == TI) {
      return "Ti";
    }
    if (unit == GI) {
      return "Gi";
    }
    return unit == MI ? "Mi" : "Ki";
  }

  /** Bytes in {@code mebibytes} MiB. */
  public static long mebibytes(long mebibytes) {
    return Math.multiplyExact(mebibytes, MI);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("{");
    amounts.forEach(
        (name, amount) -> {
          if (text.length() > 1) {
            text.append(", ");
          }
          text.append(name).append('=').append(describe(name, amount));
        });
    return text.append('}').toString();
  }
}
