package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A taint the pool's nodes carry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TaintSpec {
  public enum Effect {
    @JsonProperty("NoSchedule")
    NO_SCHEDULE,
    @JsonProperty("PreferNoSchedule")
    PREFER_NO_SCHEDULE,
    @JsonProperty("NoExecute")
    NO_EXECUTE
  }

  @JsonPropertyDescription("Taint key, for example dedicated or example.com/virt.")
  @Required
  @Size(max = 253)
  @Pattern("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
  public String key;

  @JsonPropertyDescription("Taint value; may be empty.")
  @Size(max = 63)
  public String value;

  @JsonPropertyDescription("NoSchedule, PreferNoSchedule or NoExecute.")
  @Required
  public Effect effect;

  public TaintSpec() {}

  public TaintSpec(String key, String value, Effect effect) {
    this.key = key;
    this.value = value;
    this.effect = effect;
  }

  public String effectName() {
    return switch (effect) {
      case NO_SCHEDULE -> "NoSchedule";
      case PREFER_NO_SCHEDULE -> "PreferNoSchedule";
      case NO_EXECUTE -> "NoExecute";
    };
  }
}
