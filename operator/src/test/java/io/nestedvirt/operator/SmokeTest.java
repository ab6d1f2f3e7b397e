package io.nestedvirt.operator;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void runs() {}
}
