package io.nestedvirt.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AgentCommandTest {
  @Test
  void withoutANodeNameTheAgentSaysHowToGiveOne() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = new CommandLine(new AgentCommand()).execute("--node-name=", "--port=0");
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("no node name: pass --node-name or set NODE_NAME");
  }
}
