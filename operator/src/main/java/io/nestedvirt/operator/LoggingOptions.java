package io.nestedvirt.operator;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-format text|json}, shared by the long-running commands. Text is for people at a
 * terminal; JSON (one object per line, the MDC's {@code pool} and {@code instance} as fields) is
 * for log pipelines such as Fluent Bit and CloudWatch Logs Insights.
 */
public final class LoggingOptions {
  /** The one appender of logback.xml, whose encoder JSON replaces. */
  static final String APPENDER = "OUT";

  public enum Format {
    text,
    json
  }

  @Option(
      names = "--log-format",
      defaultValue = "${env:NESTEDVIRT_LOG_FORMAT:-text}",
      description = "Log lines as ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  void setFormat(Format format) {
    if (format == Format.json) {
      useJson();
    }
  }

  /** Swaps the console appender's encoder; called while parsing, before anything is logged. */
  static void useJson() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (!(root.getAppender(APPENDER) instanceof OutputStreamAppender<ILoggingEvent> out)) {
      throw new IllegalStateException("logback.xml has no appender " + APPENDER);
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(context);
    // What a pipeline needs: time, level, thread, logger, MDC, the message as read, the error.
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithContext(false);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    json.start();
    out.stop();
    out.setEncoder(json);
    out.start();
  }
}
