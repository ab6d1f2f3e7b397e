package io.nestedvirt.operator.kubevirt;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Optional;

/**
 * KubeVirt's virt-launcher pods: the pod that runs one VMI's VM on its node. virt-api's eviction
 * interceptor recognises them the same way: the label {@code kubevirt.io: virt-launcher}, and the
 * VMI's name in the annotation {@code kubevirt.io/domain} (same namespace).
 */
public final class LauncherPods {
  static final String APP_LABEL = "kubevirt.io";
  static final String LAUNCHER = "virt-launcher";
  static final String DOMAIN_ANNOTATION = "kubevirt.io/domain";

  private LauncherPods() {}

  /** The {@code namespace/name} of the VMI the pod runs, if it is a virt-launcher pod. */
  public static Optional<String> vmiKey(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (labels == null || !LAUNCHER.equals(labels.get(APP_LABEL)) || annotations == null) {
      return Optional.empty();
    }
    String vmi = annotations.get(DOMAIN_ANNOTATION);
    return vmi == null
        ? Optional.empty()
        : Optional.of(pod.getMetadata().getNamespace() + "/" + vmi);
  }
}
