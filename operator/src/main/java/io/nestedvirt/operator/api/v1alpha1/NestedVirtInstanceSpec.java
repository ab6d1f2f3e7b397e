package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** What the pool decided for one machine. Immutable once created. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self == oldSelf",
    message =
        "spec is immutable: it records what was decided for this machine; delete the"
            + " NestedVirtInstance to replace it")
public class NestedVirtInstanceSpec {
  @JsonPropertyDescription("EC2 instance type, one of the pool's instanceTypes.")
  @Required
  @Size(max = 64)
  public String instanceType;

  @JsonPropertyDescription("Subnet the instance is launched into.")
  @Required
  @Size(max = 64)
  public String subnetId;

  @JsonPropertyDescription("Availability zone of the subnet.")
  @Required
  @Size(max = 64)
  public String zone;

  @JsonPropertyDescription(
      "on-demand or spot: how this machine is bought (a pool's spot-then-on-demand decides one of"
          + " the two for each machine).")
  @Required
  public CapacityType capacityType;

  @JsonPropertyDescription(
      "Hash of the pool's launch settings (image, security groups, instance profile, root"
          + " volume, metadata and CPU options, user data, tags, bootstrap) this machine is"
          + " launched with.")
  @Required
  @Size(max = 64)
  public String launchSettingsHash;

  @JsonPropertyDescription(
      "Short hash of each launch setting at the decision, so that drift can name the settings"
          + " that changed. Absent on machines created by earlier operator versions.")
  public Map<String, @Size(max = 32) String> launchSettings;

  @JsonPropertyDescription(
      "Set only when this object adopted an instance that already ran (a pool written by an"
          + " earlier version of the operator kept its instances in its status); the operator"
          + " never launches for such an object.")
  @Pattern("^i-[0-9a-f]{8,17}$")
  public String instanceId;

  public NestedVirtInstanceSpec() {}
}
