package io.httpsync.connector.testutil;

import org.apache.flink.util.ExceptionUtils;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Captures everything the named loggers (and their children) log during a test, at every level from
 * the given one up: each line with its rendered throwable, causes and stack traces included, so
 * that a test can grep all of it (e.g. for a secret). The loggers write only here while the test
 * runs. Thread-safe: Flink's and the HTTP client's threads log concurrently.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {
    private final Level level;
    private final List<String> loggerNames;
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private AbstractAppender appender;

    /**
     * @param level the lowest level captured, e.g. {@code "DEBUG"}
     */
    public LogCapture(String level, String... loggerNames) {
        this.level = Level.valueOf(level);
        this.loggerNames = List.of(loggerNames);
    }

    /** Everything logged so far, one entry per event: level, logger, message and throwable. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender =
                new AbstractAppender(
                        "capture-" + System.identityHashCode(this),
                        null,
                        null,
                        true,
                        Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        StringBuilder line =
                                new StringBuilder()
                                        .append(event.getLevel())
                                        .append(' ')
                                        .append(event.getLoggerName())
                                        .append(" - ")
                                        .append(event.getMessage().getFormattedMessage());
                        if (event.getThrown() != null)
                            line.append('\n')
                                    .append(ExceptionUtils.stringifyException(event.getThrown()));
                        lines.add(line.toString());
                    }
                };
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration config = logging.getConfiguration();
        for (String name : loggerNames) {
            LoggerConfig logger = new LoggerConfig(name, level, false);
            logger.addAppender(appender, level, null);
            config.addLogger(name, logger);
        }
        logging.updateLoggers();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        loggerNames.forEach(logging.getConfiguration()::removeLogger);
        logging.updateLoggers();
        appender.stop();
    }
}
