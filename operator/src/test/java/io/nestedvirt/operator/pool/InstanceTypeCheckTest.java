package io.nestedvirt.operator.pool;

import static io.nestedvirt.operator.pool.Fixtures.type;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.InstanceType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceTypeCheckTest {
  private final InstanceType m8iLarge = type("m8i.large", "x86_64", true);
  private final InstanceType c8i2xl = type("c8i.2xlarge", "x86_64", true);
  private final InstanceType c8iXl = type("c8i.xlarge", "x86_64", true);
  private final InstanceType c7iLarge = type("c7i.large", "x86_64", false);
  private final InstanceType m7gLarge = type("m7g.large", "arm64", false);
  private final Map<String, InstanceType> known =
      Map.of(
          "m8i.large", m8iLarge,
          "c8i.2xlarge", c8i2xl,
          "c8i.xlarge", c8iXl,
          "c7i.large", c7iLarge,
          "m7g.large", m7gLarge);
  private final List<InstanceType> capable = List.of(c8i2xl, m8iLarge, c8iXl);

  @Test
  void acceptsCapableTypes() {
    var check = InstanceTypeCheck.of(List.of("m8i.large", "c8i.2xlarge"), known, capable);
    assertThat(check.valid()).isTrue();
    assertThat(check.reason()).isEqualTo(ConditionReason.AllTypesCapable);
  }

  @Test
  void refusesIntelTypesWithoutTheProcessorFeatureAndNamesAlternatives() {
    var check = InstanceTypeCheck.of(List.of("m8i.large", "c7i.large"), known, capable);
    assertThat(check.valid()).isFalse();
    assertThat(check.reason()).isEqualTo(ConditionReason.IncapableInstanceType);
    assertThat(check.message())
        .isEqualTo(
            "no nested virtualization on c7i.large (processor lacks the nested-virtualization"
                + " feature). Capable types: m8i.large, c8i.xlarge, c8i.2xlarge");
  }

  @Test
  void refusesArmTypes() {
    var check = InstanceTypeCheck.of(List.of("m7g.large"), known, capable);
    assertThat(check.message())
        .startsWith("no nested virtualization on m7g.large (arm64, not x86_64)");
  }

  @Test
  void unknownTypesAreNamed() {
    var check = InstanceTypeCheck.of(List.of("m8x.huge", "c7i.large"), known, capable);
    assertThat(check.reason()).isEqualTo(ConditionReason.UnknownInstanceType);
    assertThat(check.message())
        .startsWith("unknown instance type m8x.huge; no nested virtualization on c7i.large");
  }
}
