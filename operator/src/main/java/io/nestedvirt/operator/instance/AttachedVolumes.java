package io.nestedvirt.operator.instance;

import java.util.List;

/** Which volumes are still attached to a node, as its VolumeAttachments say. */
interface AttachedVolumes {
  /**
   * The volumes that a VolumeAttachment ({@code storage.k8s.io/v1}) names with this node in its
   * {@code spec.nodeName}: by their PersistentVolume, else by the attachment's own name. Empty when
   * there are none.
   */
  List<String> on(String nodeName);
}
