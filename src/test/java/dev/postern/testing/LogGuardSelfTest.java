package dev.postern.testing;

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

    @Test
    void aLeakedBufferIsReported() {
        leak();
        List<String> violations = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (violations.isEmpty() && System.nanoTime() < deadline) {
            SuiteGuardExtension.provokeLeakReports();
            violations.addAll(LogGuardAppender.drain());
        }
        assertTrue(violations.stream().anyMatch(v -> v.startsWith("Netty LEAK report")), violations.toString());
    }

    private static void leak() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeInt(42);
    }
}
