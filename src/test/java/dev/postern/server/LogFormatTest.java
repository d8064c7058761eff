package dev.postern.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import dev.postern.config.LoggingConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code logging.format} swaps the output appender's encoder, and back. */
class LogFormatTest {
    private final ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>)
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    private final Object shipped = console.getEncoder();

    @AfterEach
    @SuppressWarnings("unchecked")
    void restore() {
        console.setEncoder((ch.qos.logback.core.encoder.Encoder<ILoggingEvent>) shipped);
    }

    @Test
    void jsonThenTextAgain() {
        LogFormat.apply(LoggingConfig.Format.JSON);
        assertInstanceOf(JsonEncoder.class, console.getEncoder());
        LogFormat.apply(LoggingConfig.Format.TEXT);
        PatternLayoutEncoder text = assertInstanceOf(PatternLayoutEncoder.class, console.getEncoder());
        assertEquals(LogFormat.TEXT_PATTERN, text.getPattern());
    }
}
