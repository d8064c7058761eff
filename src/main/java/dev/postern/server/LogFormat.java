package dev.postern.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.AppenderAttachable;
import dev.postern.config.LoggingConfig;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code logging.format} to the shipped logback.xml's output appender (at start and on reload): Logback's
 * own {@link JsonEncoder} for {@code json}, the shipped pattern for {@code text}. The appender and its queue stay;
 * only the encoder changes, so a reload loses no line. Without Logback (another binding) there is nothing to do.
 */
final class LogFormat {
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";

    private LogFormat() {
    }

    static void apply(LoggingConfig.Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        OutputStreamAppender<ILoggingEvent> out = outputAppender(context);
        if (out == null) {
            return;
        }
        Encoder<ILoggingEvent> encoder = format == LoggingConfig.Format.JSON ? json(context) : text(context);
        out.setEncoder(encoder);
    }

    private static Encoder<ILoggingEvent> json(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> text(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        encoder.start();
        return encoder;
    }

    /** The first stream appender under the root logger, looking through wrappers such as the async appender. */
    @SuppressWarnings("unchecked")
    private static OutputStreamAppender<ILoggingEvent> outputAppender(LoggerContext context) {
        Iterator<Appender<ILoggingEvent>> it = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        while (it.hasNext()) {
            Appender<ILoggingEvent> appender = it.next();
            if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
                return stream;
            }
            if (appender instanceof AppenderAttachable<?> wrapper) {
                Iterator<? extends Appender<?>> inner = ((AppenderAttachable<ILoggingEvent>) wrapper).iteratorForAppenders();
                while (inner.hasNext()) {
                    if (inner.next() instanceof OutputStreamAppender<?> stream) {
                        return (OutputStreamAppender<ILoggingEvent>) stream;
                    }
                }
            }
        }
        return null;
    }
}
