package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClientTokensTest {
  @Test
  void aMachinesTokenIsItsUidSoEveryAttemptCarriesTheSameOne() {
    String uid = UUID.randomUUID().toString();
    assertThat(ClientTokens.forInstance(uid))
        .isEqualTo(ClientTokens.forInstance(uid))
        .isEqualTo("nvi-" + uid);
  }

  @Test
  void twoMachinesNeverShareAToken() {
    assertThat(ClientTokens.forInstance(UUID.randomUUID().toString()))
        .isNotEqualTo(ClientTokens.forInstance(UUID.randomUUID().toString()));
  }

  @Test
  void fitsEc2sClientTokenLimit() {
    assertThat(ClientTokens.forInstance(UUID.randomUUID().toString()).length())
        .isLessThanOrEqualTo(64);
  }
}
