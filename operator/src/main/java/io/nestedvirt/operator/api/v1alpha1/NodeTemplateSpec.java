package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** What the pool's nodes look like to the scheduler. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeTemplateSpec {
  @JsonPropertyDescription(
      "Labels for the pool's nodes, for node selectors (for example in a KubeVirt CR's"
          + " workloads.nodePlacement or a RuntimeClass). The operator also sets"
          + " nestedvirt.io/pool, node-restriction.kubernetes.io/nestedvirt-pool and, once KVM is"
          + " verified, nestedvirt.io/kvm=verified. Changes are applied to running nodes in place;"
          + " a label dropped from here is removed (the Node's annotation"
          + " nestedvirt.io/applied-labels records the keys the operator applied).")
  @Size(max = 32)
  public Map<String, @Size(max = 63) String> labels;

  @JsonPropertyDescription(
      "Taints for the pool's nodes, so that only workloads that tolerate them land there. The"
          + " startup taint nestedvirt.io/unverified:NoSchedule is added until KVM is verified."
          + " Changes are applied to running nodes in place; a taint dropped or changed here is"
          + " removed (the Node's annotation nestedvirt.io/applied-taints records the taints the"
          + " operator applied), other taints stay.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(t, t.key != 'nestedvirt.io/unverified')",
      message = "the taint nestedvirt.io/unverified is the operator's startup taint")
  public List<TaintSpec> taints;

  public NodeTemplateSpec() {}
}
