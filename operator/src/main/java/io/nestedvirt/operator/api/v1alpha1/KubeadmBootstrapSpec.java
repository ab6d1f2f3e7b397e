package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * kubeadm join settings: where the control plane is and how to trust it. The bootstrap token is not
 * among them: the operator makes one for each instance (an earlier {@code tokenSecretName} is gone,
 * see the README's upgrade notes).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KubeadmBootstrapSpec {
  @JsonPropertyDescription("The API server as host:port, for example 10.0.0.10:6443.")
  @Required
  @Size(max = 253)
  @Pattern("^[A-Za-z0-9.-]+:[0-9]{1,5}$")
  public String apiServerEndpoint;

  @JsonPropertyDescription("Hashes of the cluster CA's public key, as sha256:<hex>.")
  @Required
  @Size(min = 1, max = 8)
  public List<@Pattern("^sha256:[0-9a-f]{64}$") String> caCertHashes;

  public KubeadmBootstrapSpec() {}
}
