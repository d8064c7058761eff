package dev.postern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shipped logback.xml (not the tests' own): logging through a bounded queue that never blocks the caller. */
class LoggingConfigTest {
    private final LoggerContext context = new LoggerContext();

    @BeforeEach
    void loadShippedConfig() throws Exception {
        // The MDC adapter SLF4J's binding would install; AsyncAppender copies the MDC of each event.
        context.setMDCAdapter(new LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Main.class.getResource("/logback.xml"));
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private AsyncAppender rootAppender() {
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
                it.hasNext(); ) {
            appenders.add(it.next());
        }
        assertEquals(1, appenders.size(), "root appenders: " + appenders);
        return assertInstanceOf(AsyncAppender.class, appenders.get(0));
    }

    @Test
    void theRootLogsThroughABoundedAsyncAppenderThatNeverBlocks() {
        AsyncAppender async = rootAppender();
        assertTrue(async.isStarted());
        assertTrue(async.isNeverBlock(), "neverBlock");
        assertEquals(8192, async.getQueueSize());
        assertEquals(1638, async.getDiscardingThreshold(), "INFO and below are dropped past 80 % full");
        assertInstanceOf(ConsoleAppender.class, async.getAppender("STDERR"));
    }

    /** Stderr stuck (a full pipe): the caller still returns at once; INFO gives way, WARN still gets through. */
    @Test
    void aStuckStderrNeitherBlocksTheCallerNorLosesWarnings() throws Exception {
        AsyncAppender async = rootAppender();
        ConsoleAppender<ILoggingEvent> console = assertInstanceOf(ConsoleAppender.class, async.getAppender("STDERR"));
        StuckStream stderr = new StuckStream();
        console.setOutputStream(stderr);
        Logger logger = context.getLogger("flood");

        logger.info("first");
        assertTrue(stderr.entered.await(10, TimeUnit.SECONDS), "the writer thread took the first line");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 3 * async.getQueueSize(); i++) {
                logger.info("flood {}", i);
            }
            for (int i = 0; i < 100; i++) {
                logger.warn("warning {}", i);
            }
            for (int i = 0; i < 3 * async.getQueueSize(); i++) {
                logger.warn("beyond a full queue {}", i);
            }
        }, "a logging call blocked behind a stuck stderr");

        stderr.release.countDown();
        assertTrue(stderr.warnings.await(30, TimeUnit.SECONDS), "every warning logged while the queue had room arrived");
        // Kept: the line in the writer's hands, then INFO until fewer than discardingThreshold slots were free.
        int info = stderr.infoLines.get();
        assertEquals(1 + async.getQueueSize() - async.getDiscardingThreshold() + 1, info, "INFO lines kept");
    }

    /** Blocks on its first write until released; counts the INFO lines and the flood's warnings. */
    private static final class StuckStream extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch warnings = new CountDownLatch(100);
        final AtomicInteger infoLines = new AtomicInteger();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // One event per write: the encoder hands over each line whole.
            String line = new String(b, off, len, StandardCharsets.UTF_8);
            if (line.contains(" INFO ")) {
                infoLines.incrementAndGet();
            } else if (line.contains(" - warning ")) {
                warnings.countDown();
            }
        }
    }
}
