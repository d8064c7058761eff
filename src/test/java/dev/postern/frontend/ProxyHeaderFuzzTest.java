package dev.postern.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The PROXY header phase under arbitrary bytes from a trusted balancer. Without {@code JAZZER_FUZZ} this runs the
 * seeds in {@code ProxyHeaderFuzzTestInputs/} as regression cases; {@code mvn -Pfuzz test} fuzzes it.
 *
 * <p>Invariants: no exception escapes; the connection either opens one session or is closed without one; an opened
 * session has an address (the header's or the balancer's); the bytes after a header reach the session unchanged
 * and in order; every buffer is released.
 */
class ProxyHeaderFuzzTest {

    /** The input is written in chunks whose size (1 to 64 octets) its last octet picks. */
    @FuzzTest
    void headerOpensOrCloses(byte[] input) {
        int chunk = input.length == 0 ? 1 : 1 + (input[input.length - 1] & 0x3f);
        List<byte[]> reads = new ArrayList<>();
        for (int offset = 0; offset < input.length; offset += chunk) {
            reads.add(Arrays.copyOfRange(input, offset, Math.min(input.length, offset + chunk)));
        }
        ProxyHeaderBench bench = new ProxyHeaderBench();
        bench.feed(reads);
        assertTrue(bench.opened.size() <= 1);
        if (!bench.opened.isEmpty()) {
            assertTrue(bench.opened.get(0).client() != null);
            byte[] after = bench.after.toByteArray();
            assertTrue(after.length < input.length, "the header took some bytes");
            assertTrue(Arrays.equals(after, Arrays.copyOfRange(input, input.length - after.length, input.length)),
                    "the bytes after the header are the input's tail");
        } else if (bench.channel.isOpen()) {
            // Still waiting for the rest of a header: the deadline closes it.
            bench.channel.advanceTimeBy(ProxyHeaderBench.DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            bench.channel.runScheduledPendingTasks();
            assertTrue(!bench.channel.isOpen());
        }
        assertEquals(0, bench.finish(), "buffers left unreleased");
    }
}
