package io.nestedvirt.sandbox;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Where the log lines of the operator (and of the libraries under it) go while the sandbox runs: to
 * a file, so that the console shows the sandbox's own progress lines and not the operator's routine
 * chatter (409 conflicts it retries, informer warnings), or left on the console ({@code -v}).
 * Closing it puts the console back, for whoever runs the sandbox in-process (the tests).
 */
final class OperatorLog implements AutoCloseable {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";

  private final Logger root;
  private final List<Appender<ILoggingEvent>> consoles;
  private final FileAppender<ILoggingEvent> file;

  private OperatorLog(
      Logger root, List<Appender<ILoggingEvent>> consoles, FileAppender<ILoggingEvent> file) {
    this.root = root;
    this.consoles = consoles;
    this.file = file;
  }

  /** Log lines stay where the logging configuration sends them. */
  static OperatorLog console() {
    return new OperatorLog(null, List.of(), null);
  }

  /**
   * Log lines go to {@code path} (overwritten) instead of the console; if the logger is not
   * logback, nothing can be moved and they stay on the console.
   */
  static OperatorLog toFile(Path path) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return console();
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(context);
    file.setName("sandbox-operator-log");
    file.setFile(path.toString());
    file.setAppend(false);
    file.setEncoder(encoder);
    file.start();
    List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
    root.iteratorForAppenders()
        .forEachRemaining(
            a -> {
              if (a instanceof ConsoleAppender) {
                consoles.add(a);
              }
            });
    root.addAppender(file);
    consoles.forEach(root::detachAppender);
    return new OperatorLog(root, consoles, file);
  }

  /** The file the log lines go to, if not the console. */
  Optional<Path> file() {
    return file == null ? Optional.empty() : Optional.of(Path.of(file.getFile()));
  }

  @Override
  public void close() {
    if (file == null) {
      return;
    }
    consoles.forEach(root::addAppender);
    root.detachAppender(file);
    file.stop();
  }
}
