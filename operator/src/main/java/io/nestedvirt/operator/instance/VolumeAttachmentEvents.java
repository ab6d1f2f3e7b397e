package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * VolumeAttachments as the instance controller's event source, and the {@link AttachedVolumes} a
 * terminated machine waits for before it deletes its Node. An informer, not a LIST per machine and
 * step: the wait costs no request, and the attachment's deletion wakes the machine at once. The API
 * server offers no field selector on {@code spec.nodeName} for VolumeAttachments, so they are
 * indexed here by node. Needs get, list and watch on {@code volumeattachments} (the chart's
 * ClusterRole).
 */
final class VolumeAttachmentEvents implements AttachedVolumes {
  /** Index of VolumeAttachments by {@code spec.nodeName}. */
  static final String BY_NODE = "node";

  private volatile InformerEventSource<VolumeAttachment, NestedVirtInstance> source;

  /** The event source: an attachment wakes the machines bound to its node. */
  InformerEventSource<VolumeAttachment, NestedVirtInstance> source(
      EventSourceContext<NestedVirtInstance> context) {
    IndexerResourceCache<NestedVirtInstance> machines = context.getPrimaryCache();
    InformerEventSource<VolumeAttachment, NestedVirtInstance> attachments =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(VolumeAttachment.class, NestedVirtInstance.class)
                .withName("volumeattachments")
                .withSecondaryToPrimaryMapper(
                    va ->
                        node(va) == null
                            ? java.util.Set.of()
                            : machines.byIndex(MachineIndex.NODE_NAME, node(va)).stream()
                                .map(ResourceID::fromResource)
                                .collect(Collectors.toSet()))
                .build(),
            context);
    attachments.addIndexers(
        Map.of(BY_NODE, va -> node(va) == null ? List.of() : List.of(node(va))));
    this.source = attachments;
    return attachments;
  }

  @Override
  public List<String> on(String nodeName) {
    InformerEventSource<VolumeAttachment, NestedVirtInstance> attachments = source;
    if (attachments == null) {
      return List.of();
    }
    return attachments.byIndex(BY_NODE, nodeName).stream()
        .map(VolumeAttachmentEvents::volume)
        .sorted()
        .toList();
  }

  private static String node(VolumeAttachment va) {
    return va.getSpec() == null ? null : va.getSpec().getNodeName();
  }

  /** The PersistentVolume attached, else (an inline volume) the attachment's name. */
  private static String volume(VolumeAttachment va) {
    var source = va.getSpec().getSource();
    return source != null && source.getPersistentVolumeName() != null
        ? source.getPersistentVolumeName()
        : va.getMetadata().getName();
  }
}
