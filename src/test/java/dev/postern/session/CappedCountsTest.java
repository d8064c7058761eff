package dev.postern.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Exact capped counts: the cap holds under contention, releases count once, empty keys leave the map. */
class CappedCountsTest {
    private final CappedCounts<String> counts = new CappedCounts<>();

    @Test
    void refusesTheSlotPastTheCapAndGivesItBackOnRelease() {
        var a = counts.tryAcquire("k", 2);
        var b = counts.tryAcquire("k", 2);
        assertNotNull(a);
        assertNotNull(b);
        assertNull(counts.tryAcquire("k", 2));
        assertNotNull(counts.tryAcquire("other", 2), "keys are counted apart");
        a.release();
        assertEquals(1, counts.count("k"));
        assertNotNull(counts.tryAcquire("k", 2));
    }

    @Test
    void aLeaseReleasedTwiceCountsOnce() {
        var a = counts.tryAcquire("k", 5);
        counts.tryAcquire("k", 5);
        a.release();
        a.release();
        assertEquals(1, counts.count("k"));
    }

    @Test
    void aKeyAtZeroLeavesTheMap() {
        List<CappedCounts<String>.Lease> leases = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            leases.add(counts.tryAcquire("client" + i, 1));
        }
        assertEquals(1000, counts.keys());
        leases.forEach(CappedCounts.Lease::release);
        assertEquals(0, counts.keys());
        assertEquals(0, counts.count("client7"));
    }

    @Test
    void aCapOfZeroRefusesEverything() {
        assertNull(counts.tryAcquire("k", 0));
        assertEquals(0, counts.keys());
    }

    @Test
    void neverExceedsTheCapUnderContentionAndEndsAtZero() throws Exception {
        int threads = 8;
        int rounds = 20_000;
        int cap = 5;
        AtomicInteger held = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        var lease = counts.tryAcquire("hot", cap);
                        if (lease != null) {
                            int now = held.incrementAndGet();
                            maxSeen.accumulateAndGet(now, Math::max);
                            if (now > cap) {
                                errors.add("held " + now);
                            }
                            held.decrementAndGet();
                            lease.release();
                            lease.release();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(errors.isEmpty(), errors::toString);
        assertTrue(maxSeen.get() <= cap);
        assertEquals(0, counts.count("hot"));
        assertEquals(0, counts.keys());
    }
}
