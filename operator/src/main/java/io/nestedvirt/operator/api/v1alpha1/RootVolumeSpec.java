package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** The root EBS volume of each instance. */
@ValidationRule(
    value = "!has(self.kmsKeyId) || self.encrypted",
    message = "kmsKeyId requires encrypted: true")
public class RootVolumeSpec {
  public enum VolumeType {
    gp3,
    gp2,
    io1,
    io2
  }

  @JsonPropertyDescription(
      "Size in GiB. Guest VM disks often live on the node, so leave room for them.")
  @Min(20)
  @Max(16384)
  @Default("50")
  public Integer sizeGiB = 50;

  @JsonPropertyDescription("EBS volume type.")
  @Default("gp3")
  public VolumeType type = VolumeType.gp3;

  @JsonPropertyDescription("Encrypt the volume. On by default.")
  @Default("true")
  public Boolean encrypted = true;

  @JsonPropertyDescription(
      "KMS key id or ARN for encryption; the account's default EBS key when absent.")
  @Pattern("^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+|alias/.+|[0-9a-f-]{36})$")
  public String kmsKeyId;
}
