package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Instance metadata service (IMDS) settings. The defaults keep guests that run inside the node away
 * from the node's credentials: IMDSv2 tokens are required and the token cannot travel more than one
 * network hop, so a nested VM behind a bridge cannot use it.
 */
public class MetadataOptionsSpec {
  public enum HttpTokens {
    @JsonProperty("required")
    REQUIRED,
    @JsonProperty("optional")
    OPTIONAL
  }

  public enum HttpEndpoint {
    @JsonProperty("enabled")
    ENABLED,
    @JsonProperty("disabled")
    DISABLED
  }

  @JsonPropertyDescription(
      "Whether IMDSv2 session tokens are required. Keep \"required\" unless a workload on the"
          + " node needs IMDSv1.")
  @Default("required")
  public HttpTokens httpTokens = HttpTokens.REQUIRED;

  @JsonPropertyDescription(
      "How many network hops a metadata token may travel. 1 keeps containers and nested"
          + " guests from reaching the node's credentials.")
  @Min(1)
  @Max(64)
  @Default("1")
  public Integer httpPutResponseHopLimit = 1;

  @JsonPropertyDescription("Whether the metadata endpoint is reachable at all.")
  @Default("enabled")
  public HttpEndpoint httpEndpoint = HttpEndpoint.ENABLED;
}
