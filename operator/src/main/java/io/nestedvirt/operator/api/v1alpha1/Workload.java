package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An add-on that will run on a pool's nodes and, once it does, adds labels and resources that
 * workloads select: the operator counts them when it decides whether a pending pod fits a node that
 * does not exist yet.
 */
public enum Workload {
  /** KubeVirt's virt-handler: {@code kubevirt.io/schedulable=true}, devices.kubevirt.io/*. */
  @JsonProperty("kubevirt")
  KUBEVIRT,
  /** kata-deploy: {@code katacontainers.io/kata-runtime=true}. */
  @JsonProperty("kata")
  KATA
}
