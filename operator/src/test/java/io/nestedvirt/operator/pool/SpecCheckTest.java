package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** spec.disruption as the operator checks it where the API server does not enforce the CRD. */
class SpecCheckTest {
  @Test
  void aUsableDisruptionSpecPasses() {
    assertThat(
            SpecCheck.problem(
                spec(
                    d -> {
                      d.expireAfter = "720h";
                      d.schedule = "0 22 * * 1-5";
                      d.duration = "6h";
                    })))
        .isNull();
  }

  @Test
  void eachBadDisruptionSettingIsNamedWithWhatToFix() {
    assertThat(SpecCheck.problem(spec(d -> d.expireAfter = "a month")))
        .startsWith("spec.disruption.expireAfter: cannot read duration 'a month'");
    assertThat(
            SpecCheck.problem(
                spec(
                    d -> {
                      d.maxSurge = 0;
                      d.maxUnavailable = 0;
                    })))
        .contains("maxSurge and maxUnavailable are both 0");
    assertThat(
            SpecCheck.problem(
                spec(
                    d -> {
                      d.schedule = "0 25 * * *";
                      d.duration = "1h";
                    })))
        .startsWith("spec.disruption.schedule \"0 25 * * *\": hour 25 is out of range 0-23");
    assertThat(SpecCheck.problem(spec(d -> d.schedule = "@daily")))
        .contains("spec.disruption.duration");
  }

  @Test
  void aNegativeReplicaCountThatGotPastTheSchemaIsNamed() {
    // A real API server refuses it (the CRD's minimum, and /scale); an old CRD or a server
    // without schema validation would not.
    NestedVirtPoolSpec spec = spec(d -> {});
    spec.replicas = -1;

    assertThat(SpecCheck.problem(spec)).isEqualTo("spec.replicas must be 0 or more, was -1");
  }

  private static NestedVirtPoolSpec spec(Consumer<DisruptionSpec> edit) {
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 1;
    spec.instanceTypes = List.of("m8i.large");
    spec.disruption = new DisruptionSpec();
    edit.accept(spec.disruption);
    return spec;
  }
}
