package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** How an instance joins the cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.mode != 'kubeadm' || has(self.kubeadm)",
    message = "mode kubeadm needs bootstrap.kubeadm (API server endpoint, CA cert hashes)")
public class BootstrapSpec {
  public enum Mode {
    @JsonProperty("eks")
    EKS,
    @JsonProperty("kubeadm")
    KUBEADM,
    @JsonProperty("raw")
    RAW
  }

  @JsonPropertyDescription(
      "eks: an Amazon Linux 2023 nodeadm NodeConfig built from the operator's cluster settings;"
          + " kubeadm: a kubeadm join with a bootstrap token the operator makes for each instance;"
          + " raw: spec.userData as is (it"
          + " must join the node itself; the operator then sets labels and taints on join).")
  @Default("eks")
  public Mode mode = Mode.EKS;

  @JsonPropertyDescription("kubeadm join settings, for mode kubeadm.")
  public KubeadmBootstrapSpec kubeadm;

  public BootstrapSpec() {}
}
