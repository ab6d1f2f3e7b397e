package io.nestedvirt.operator.launch;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.Set;

/**
 * Wakes the pools whose image reference now resolves to a new AMI, so they see the change (their
 * machines drift) at once rather than at their next periodic reconcile.
 */
public final class ImageChanges
    extends AbstractEventSource<ImageCache.ImageChange, NestedVirtPool> {

  public ImageChanges(ImageCache images) {
    super(ImageCache.ImageChange.class, "image-changes");
    images.onChange(this::wake);
  }

  /** It only wakes pools; it holds no resources of theirs. */
  @Override
  public Set<ImageCache.ImageChange> getSecondaryResources(NestedVirtPool pool) {
    return Set.of();
  }

  private void wake(ImageCache.ImageChange change) {
    if (getEventHandler() == null || !isRunning()) {
      return;
    }
    for (String pool : change.pools()) {
      getEventHandler().handleEvent(new Event(new ResourceID(pool)));
    }
  }
}
