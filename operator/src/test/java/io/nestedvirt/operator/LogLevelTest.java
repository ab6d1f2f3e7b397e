package io.nestedvirt.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The production logback.xml takes the level of the operator's loggers from LOG_LEVEL, which the
 * chart sets from its {@code logLevel} value. Logback resolves the variable from system properties
 * before the environment, so the test sets the property; the container gets the env var.
 */
class LogLevelTest {
  private final LoggerContext context = new LoggerContext();

  @AfterEach
  void clear() {
    System.clearProperty("LOG_LEVEL");
    context.stop();
  }

  @Test
  void logLevelSetsTheOperatorsAndJosdksLoggers() throws JoranException {
    System.setProperty("LOG_LEVEL", "debug");
    configure();
    assertThat(context.getLogger("io.nestedvirt.operator.pool.PoolController").getEffectiveLevel())
        .isEqualTo(Level.DEBUG);
    assertThat(context.getLogger("io.javaoperatorsdk.operator.Operator").getEffectiveLevel())
        .isEqualTo(Level.DEBUG);
    assertThat(context.getLogger("org.apache.http").getEffectiveLevel())
        .as("libraries stay at the root's WARN")
        .isEqualTo(Level.WARN);
  }

  @Test
  void errorSilencesInfo() throws JoranException {
    System.setProperty("LOG_LEVEL", "error");
    configure();
    assertThat(context.getLogger("io.nestedvirt.operator.Main").isInfoEnabled()).isFalse();
  }

  @Test
  void withoutLogLevelTheOperatorLogsInfo() throws JoranException {
    configure();
    assertThat(context.getLogger("io.nestedvirt.operator.Main").getEffectiveLevel())
        .isEqualTo(Level.INFO);
  }

  /** The production file, not logback-test.xml, into a context of its own. */
  private void configure() throws JoranException {
    URL production = getClass().getClassLoader().getResource("logback.xml");
    assertThat(production).as("logback.xml on the class path").isNotNull();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(production);
  }
}
