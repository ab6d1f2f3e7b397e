package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientTokensTest {
  @Test
  void sameDecisionGivesTheSameToken() {
    assertThat(ClientTokens.forLaunch("uid-1", 7)).isEqualTo(ClientTokens.forLaunch("uid-1", 7));
  }

  @Test
  void differentPoolsOrLaunchesNeverShareAToken() {
    assertThat(ClientTokens.forLaunch("uid-1", 7))
        .isNotEqualTo(ClientTokens.forLaunch("uid-1", 8))
        .isNotEqualTo(ClientTokens.forLaunch("uid-2", 7));
  }

  @Test
  void fitsEc2sClientTokenLimit() {
    assertThat(ClientTokens.forLaunch("a-long-uid-0123456789", Long.MAX_VALUE))
        .hasSizeLessThanOrEqualTo(64)
        .matches("[\\x21-\\x7e]+");
  }
}
