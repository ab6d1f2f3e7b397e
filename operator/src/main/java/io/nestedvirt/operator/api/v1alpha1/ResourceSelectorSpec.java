package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Selects subnets or security groups either by id or by tags, never both. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(
    value = "!(has(self.ids) && size(self.ids) > 0 && has(self.tags) && size(self.tags) > 0)",
    message = "give either ids or tags, not both")
public class ResourceSelectorSpec {
  @JsonPropertyDescription(
      "Resource ids, for example subnet-0123456789abcdef0 or sg-0123456789abcdef0.")
  @Size(max = 16)
  public List<@Pattern("^(subnet|sg)-[0-9a-f]{8,17}$") String> ids;

  @JsonPropertyDescription(
      "Tags that every selected resource carries. A value of \"*\" matches any value of the"
          + " key.")
  @Size(max = 10)
  public Map<String, String> tags;

  public ResourceSelectorSpec() {}

  public ResourceSelectorSpec(List<String> ids, Map<String, String> tags) {
    this.ids = ids;
    this.tags = tags;
  }
}
