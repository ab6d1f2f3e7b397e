package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMI id behind each image reference the pools use, one entry per distinct reference however
 * many pools share it. A reference is resolved once when a pool first needs it, then again only by
 * {@link #refresh()}, which the operator runs every {@code --image-refresh}: so an SSM parameter
 * costs one GetParameter per period, and an AMI published behind it is used by the next launch
 * after the refresh that saw it, at most one period late.
 *
 * <p>An {@code ami-...} reference cannot change, but its refresh re-checks that the image still
 * exists (one DescribeImages per period), so a deregistered AMI makes its pools invalid as a
 * missing parameter does, instead of failing every launch.
 *
 * <p>A refresh that fails for a passing reason (throttled, SSM unreachable) keeps the last known id
 * and is retried at the next refresh: launching with an AMI that was current an hour ago beats not
 * launching. A reference that is gone (ParameterNotFound, an AMI deregistered) is dropped, so the
 * pools using it see {@code ImageNotFound} again at their next resolve.
 */
public final class ImageCache {
  private static final Logger log = LoggerFactory.getLogger(ImageCache.class);
  private static final String SSM_PREFIX = "resolve:ssm:";

  /**
   * What a pool's image refers to, normalised so that equal references share one entry: an SSM
   * parameter name ({@code resolve:ssm:/x} and {@code /x} are one parameter; no image is the EKS
   * default parameter for the cluster's Kubernetes version) or an AMI id.
   */
  public record ImageReference(String name) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A reference's AMI id changed; {@code pools} are the pools that use it. */
  public record ImageChange(
      ImageReference reference, String previousId, String imageId, Set<String> pools) {}

  /** A reference's last known id and when it was resolved; guarded by its own lock. */
  private static final class Entry {
    String imageId;
    Instant resolvedAt;
  }

  private final CloudProvider cloud;
  private final Supplier<String> kubernetesVersion;
  private final Clock clock;
  private final Map<ImageReference, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, ImageReference> referenceByPool = new ConcurrentHashMap<>();
  private final List<Consumer<ImageChange>> listeners = new CopyOnWriteArrayList<>();

  public ImageCache(CloudProvider cloud, Supplier<String> kubernetesVersion, Clock clock) {
    this.cloud = cloud;
    this.kubernetesVersion = kubernetesVersion;
    this.clock = clock;
  }

  /** Called with every change a refresh finds, on the refreshing thread. */
  public void onChange(Consumer<ImageChange> listener) {
    listeners.add(listener);
  }

  /**
   * The AMI id the pool's next launch uses: cached, or resolved now when no pool has needed the
   * reference yet.
   *
   * @throws ResourceNotFoundException when the parameter or image does not exist
   * @throws CloudException when it could not be resolved and no id is known yet
   */
  public String resolve(NestedVirtPool pool) {
    ImageReference reference = reference(pool);
    referenceByPool.put(pool.name(), reference);
    Entry entry = entries.computeIfAbsent(reference, r -> new Entry());
    synchronized (entry) {
      if (entry.imageId == null) {
        try {
          store(reference, entry, cloud.resolveImage(reference.name(), null));
        } catch (ResourceNotFoundException e) {
          entries.remove(reference, entry);
          throw e;
        }
      }
      return entry.imageId;
    }
  }

  /**
   * The AMI id the pool's next launch uses, as far as known without asking the cloud (for {@code
   * status.image}); empty before the pool's reference was first resolved.
   */
  public Optional<String> current(NestedVirtPool pool) {
    Entry entry;
    try {
      entry = entries.get(reference(pool));
    } catch (IllegalArgumentException noKubernetesVersion) {
      return Optional.empty();
    }
    if (entry == null) {
      return Optional.empty();
    }
    synchronized (entry) {
      return Optional.ofNullable(entry.imageId);
    }
  }

  /**
   * The AMI id the pool's launches use, for drift and {@code status.image}: cached, or resolved now
   * (once per reference) when no pool has needed it yet, so that a steady pool that launches
   * nothing after a restart still follows its parameter; empty when it cannot be resolved now (the
   * pool's LaunchConfigValid condition says why when it next launches).
   */
  public Optional<String> inUse(NestedVirtPool pool) {
    try {
      return Optional.of(resolve(pool));
    } catch (CloudException | IllegalArgumentException e) {
      return current(pool);
    }
  }

  /** A deleted pool no longer keeps its reference in use. */
  public void forget(NestedVirtPool pool) {
    referenceByPool.remove(pool.name());
  }

  /**
   * Resolves again every reference a pool still uses, one call each, and forgets the others. Never
   * throws: it runs on a schedule, and a failure leaves the last known id in place.
   */
  public void refresh() {
    Set<ImageReference> inUse = Set.copyOf(referenceByPool.values());
    entries.keySet().retainAll(inUse);
    for (Map.Entry<ImageReference, Entry> e : entries.entrySet()) {
      ImageReference reference = e.getKey();
      Entry entry = e.getValue();
      synchronized (entry) {
        try {
          store(reference, entry, cloud.resolveImage(reference.name(), null));
        } catch (ResourceNotFoundException gone) {
          log.warn(
              "image {} no longer resolves ({}); its pools cannot launch until it does",
              reference,
              gone.getMessage());
          entries.remove(reference, entry);
        } catch (CloudException | IllegalArgumentException failed) {
          log.warn(
              "image {}: refresh failed, launches keep {} (resolved {}): {}",
              reference,
              entry.imageId,
              entry.resolvedAt,
              failed.getMessage());
        } catch (RuntimeException bug) {
          log.error("image {}: refresh failed unexpectedly", reference, bug);
        }
      }
    }
  }

  private ImageReference reference(NestedVirtPool pool) {
    String image = pool.getSpec().image;
    if (image == null) {
      return new ImageReference(cloud.defaultImage(kubernetesVersion.get()));
    }
    return new ImageReference(
        image.startsWith(SSM_PREFIX) ? image.substring(SSM_PREFIX.length()) : image);
  }

  private void store(ImageReference reference, Entry entry, String imageId) {
    String previous = entry.imageId;
    entry.imageId = imageId;
    entry.resolvedAt = clock.instant();
    if (previous == null || previous.equals(imageId)) {
      return;
    }
    Set<String> pools =
        referenceByPool.entrySet().stream()
            .filter(p -> Objects.equals(p.getValue(), reference))
            .map(Map.Entry::getKey)
            .collect(Collectors.toUnmodifiableSet());
    log.info("image {} now resolves to {} (was {}); pools {}", reference, imageId, previous, pools);
    ImageChange change = new ImageChange(reference, previous, imageId, pools);
    for (Consumer<ImageChange> listener : new ArrayList<>(listeners)) {
      listener.accept(change);
    }
  }
}
