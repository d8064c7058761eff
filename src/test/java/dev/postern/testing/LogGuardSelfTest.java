package dev.postern.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Proves the suite-wide guard can fail: it sees a password in a log line and a leaked buffer. */
class LogGuardSelfTest {

    @Test
    void aLoggedPasswordIsReportedWithoutRepeatingIt() {
        String secret = TestSecrets.register("Guard-selftest-secret-91c2");
        LoggerFactory.getLogger("dev.postern.selftest").debug("oops {}", secret);
        List<String> violations = LogGuardAppender.drain();
        assertEquals(1, violations.size(), violations.toString());
        assertTrue(violations.get(0).contains("test password"));
        assertTrue(violations.stream().noneMatch(v -> v.contains(secret)));
    }

    /** The deliberate leak is reported to the guard only, so the build log shows no LEAK line that is not real. */
    @Test
    void aLeakedBufferIsReported() {
        ch.qos.logback.classic.Logger detector =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
        ch.qos.logback.classic.Logger root =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        var guard = root.getAppender("GUARD");
        detector.setAdditive(false);
        detector.addAppender(guard);
        try {
            leak();
            List<String> violations = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
                SuiteGuardExtension.provokeLeakReports();
                violations.addAll(LogGuardAppender.drain());
                return !violations.isEmpty();
            });
            assertTrue(violations.stream().anyMatch(v -> v.startsWith("Netty LEAK report")), violations.toString());
        } finally {
            detector.detachAppender(guard);
            detector.setAdditive(true);
        }
    }

    private static void leak() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeInt(42);
    }
}
