package dev.postern.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (JUnit extension auto-detection): after a class, collects garbage and
 * allocates tracked buffers so Netty's paranoid leak detector reports what leaked, then fails the class on any
 * LEAK report or any log line that held a test password.
 */
public final class SuiteGuardExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        provokeLeakReports();
        List<String> violations = LogGuardAppender.drain();
        if (!violations.isEmpty()) {
            throw new AssertionError("after " + context.getDisplayName() + ": " + String.join("; ", violations));
        }
    }

    /** Leaks are reported when a tracked object was collected and a new one is tracked. */
    static void provokeLeakReports() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 32; i++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                a.release();
                b.release();
            }
        }
    }
}
