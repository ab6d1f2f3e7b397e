package io.nestedvirt.operator.launch;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.Collection;
import java.util.Set;
import java.util.function.Function;

/**
 * Wakes what must see a pool's image reference resolve to a new AMI at once rather than at its next
 * periodic reconcile: the pools (their machines drift, and the rollout starts), and their machines
 * (each says it drifted, and its node is tainted as outdated, even while the rollout waits).
 *
 * @param <P> the primary resource of the controller it wakes
 */
public final class ImageChanges<P extends HasMetadata>
    extends AbstractEventSource<ImageCache.ImageChange, P> {
  private final Function<String, Collection<ResourceID>> ofPool;

  /**
   * @param ofPool what to wake for a pool, by the pool's name
   */
  public ImageChanges(
      ImageCache images, Class<P> primary, Function<String, Collection<ResourceID>> ofPool) {
    super(ImageCache.ImageChange.class, "image-changes-" + primary.getSimpleName());
    this.ofPool = ofPool;
    images.onChange(this::wake);
  }

  /** Wakes the pools themselves. */
  public static ImageChanges<NestedVirtPool> forPools(ImageCache images) {
    return new ImageChanges<>(images, NestedVirtPool.class, pool -> Set.of(new ResourceID(pool)));
  }

  /** It only wakes; it holds no resources of theirs. */
  @Override
  public Set<ImageCache.ImageChange> getSecondaryResources(P primary) {
    return Set.of();
  }

  private void wake(ImageCache.ImageChange change) {
    if (getEventHandler() == null || !isRunning()) {
      return;
    }
    for (String pool : change.pools()) {
      for (ResourceID id : ofPool.apply(pool)) {
        getEventHandler().handleEvent(new Event(id));
      }
    }
  }
}
