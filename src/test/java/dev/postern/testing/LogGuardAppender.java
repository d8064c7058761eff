package dev.postern.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches every log event of the test JVM: a Netty LEAK report, or a line holding a registered test password,
 * is recorded (the password itself never), and {@link SuiteGuardExtension} fails the test class that caused it.
 */
public final class LogGuardAppender extends AppenderBase<ILoggingEvent> {
    private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();
    private static final java.util.concurrent.atomic.AtomicLong EVENTS = new java.util.concurrent.atomic.AtomicLong();

    @Override
    protected void append(ILoggingEvent event) {
        EVENTS.incrementAndGet();
        String message = event.getFormattedMessage();
        IThrowableProxy thrown = event.getThrowableProxy();
        String text = thrown == null ? message : message + "\n" + ThrowableProxyUtil.asString(thrown);
        if (event.getLoggerName().startsWith("io.netty.util.ResourceLeakDetector") && text.contains("LEAK")) {
            VIOLATIONS.add("Netty LEAK report: " + firstLine(text));
        }
        for (String secret : TestSecrets.all()) {
            if (text.contains(secret)) {
                VIOLATIONS.add("a test password appeared in a log line of " + event.getLoggerName()
                        + " at level " + event.getLevel());
            }
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /** Violations recorded since the last call, cleared. */
    static List<String> drain() {
        List<String> out = List.copyOf(VIOLATIONS);
        VIOLATIONS.removeAll(out);
        return out;
    }

    /** Log events seen so far (proves the guard is attached). */
    static long events() {
        return EVENTS.get();
    }
}
