package io.nestedvirt.operator.agent.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.agent.kvm.ProbeResult.Failure;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The result as other code and other programs read it. */
class KvmProbeResultTest {
  @Test
  void toJsonCarriesEveryFieldAndParsesAsJson() throws Exception {
    Map<String, Integer> caps = new LinkedHashMap<>();
    caps.put("KVM_CAP_USER_MEMORY", 1);
    caps.put("KVM_CAP_MAX_VCPUS", 1024);
    ProbeResult result =
        new ProbeResult(
            true,
            null,
            "guest wrote 0x2a to port 0x10 and halted",
            "/dev/kvm",
            12,
            caps,
            "none",
            List.of("kvm", "kvm_pvm"),
            0x2a,
            true,
            Duration.ofNanos(1_234_567));

    JsonNode json = new ObjectMapper().readTree(result.toJson());

    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("failure").isNull()).isTrue();
    assertThat(json.get("reason").asText()).isEqualTo("KvmVerified");
    assertThat(json.get("message").asText()).isEqualTo("guest wrote 0x2a to port 0x10 and halted");
    assertThat(json.get("device").asText()).isEqualTo("/dev/kvm");
    assertThat(json.get("apiVersion").asInt()).isEqualTo(12);
    assertThat(json.get("capabilities").get("KVM_CAP_MAX_VCPUS").asInt()).isEqualTo(1024);
    assertThat(json.get("cpuFlag").asText()).isEqualTo("none");
    assertThat(json.get("kvmModules").get(1).asText()).isEqualTo("kvm_pvm");
    assertThat(json.get("backend").asText()).isEqualTo("kvm_pvm");
    assertThat(json.get("guestByte").asInt()).isEqualTo(42);
    assertThat(json.get("halted").asBoolean()).isTrue();
    assertThat(json.get("elapsedMillis").asDouble()).isEqualTo(1.235);
  }

  @Test
  void toJsonEscapesPathsAndMessagesItDidNotWrite() throws Exception {
    ProbeResult result =
        new ProbeResult(
            false,
            Failure.DEVICE_MISSING,
            "\"/tmp/a\\b\"\n\u0001 does not exist",
            "/tmp/a\\b\"",
            0,
            Map.of(),
            "vmx",
            List.of(),
            null,
            false,
            Duration.ofMillis(1));

    JsonNode json = new ObjectMapper().readTree(result.toJson());

    assertThat(json.get("message").asText()).isEqualTo("\"/tmp/a\\b\"\n\u0001 does not exist");
    assertThat(json.get("device").asText()).isEqualTo("/tmp/a\\b\"");
    assertThat(json.get("failure").asText()).isEqualTo("DEVICE_MISSING");
    assertThat(json.get("reason").asText()).isEqualTo("DeviceMissing");
    assertThat(json.get("guestByte").isNull()).isTrue();
    assertThat(json.get("backend").asText()).isEqualTo("none");
  }

  @Test
  void aResultIsOkExactlyWhenItHasNoFailure() {
    assertThatThrownBy(
            () ->
                new ProbeResult(
                    true,
                    Failure.RUN_FAILED,
                    "x",
                    "/dev/kvm",
                    12,
                    Map.of(),
                    "none",
                    List.of(),
                    null,
                    false,
                    Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
