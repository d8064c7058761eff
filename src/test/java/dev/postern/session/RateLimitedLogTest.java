package dev.postern.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.session.RateLimitedLog.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-reason limiter on a hand-driven clock: no sleeps, exact counts. */
class RateLimitedLogTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    record Summary(Reason reason, long count, Duration span) {
    }

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final List<Summary> summaries = new ArrayList<>();
    private final RateLimitedLog log = new RateLimitedLog(10, SECOND, nanos::get,
            (reason, count, span) -> summaries.add(new Summary(reason, count, span)));

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private int admitted(Reason reason, int attempts) {
        int admitted = 0;
        for (int i = 0; i < attempts; i++) {
            admitted += log.admit(reason) ? 1 : 0;
        }
        return admitted;
    }

    @Test
    void theLimitHoldsWithinOneInterval() {
        assertEquals(10, admitted(Reason.TLS_REFUSED, 10));
        advance(Duration.ofMillis(999));
        assertFalse(log.admit(Reason.TLS_REFUSED));
        assertEquals(0, admitted(Reason.TLS_REFUSED, 500));
        assertTrue(summaries.isEmpty(), "no summary before the interval ends");
    }

    @Test
    void theNextIntervalReportsExactlyHowManyWereHeldBackAndStartsAfresh() {
        admitted(Reason.TLS_HANDSHAKE_FAILED, 10 + 1234);
        advance(SECOND);
        assertTrue(log.admit(Reason.TLS_HANDSHAKE_FAILED));
        assertEquals(List.of(new Summary(Reason.TLS_HANDSHAKE_FAILED, 1234, SECOND)), summaries);
        assertEquals(9, admitted(Reason.TLS_HANDSHAKE_FAILED, 20), "a new interval allows the limit again");
        advance(SECOND);
        log.admit(Reason.TLS_HANDSHAKE_FAILED);
        assertEquals(new Summary(Reason.TLS_HANDSHAKE_FAILED, 11, SECOND), summaries.get(1));
    }

    @Test
    void anIntervalWithinTheLimitGivesNoSummary() {
        admitted(Reason.PROTOCOL_VIOLATION, 10);
        advance(SECOND);
        log.admit(Reason.PROTOCOL_VIOLATION);
        log.flush();
        assertTrue(summaries.isEmpty());
    }

    @Test
    void reasonsAreCountedApart() {
        admitted(Reason.LIMIT_HIT, 15);
        assertEquals(10, admitted(Reason.PROTOCOL_VIOLATION, 12));
        advance(SECOND);
        log.flush();
        assertEquals(List.of(new Summary(Reason.PROTOCOL_VIOLATION, 2, SECOND), new Summary(Reason.LIMIT_HIT, 5, SECOND)),
                summaries);
    }

    @Test
    void flushReportsAFloodThatStoppedOnceAndOnlyOnce() {
        admitted(Reason.BACKEND_FAILED, 40);
        log.flush();
        assertTrue(summaries.isEmpty(), "the interval has not ended");
        advance(Duration.ofMillis(1500));
        log.flush();
        log.flush();
        assertEquals(List.of(new Summary(Reason.BACKEND_FAILED, 30, Duration.ofMillis(1500))), summaries);
        assertEquals(10, admitted(Reason.BACKEND_FAILED, 10), "the flushed interval's count is gone");
        advance(SECOND);
        log.admit(Reason.BACKEND_FAILED);
        assertEquals(1, summaries.size());
    }

    @Test
    void aLateSummarySaysHowLongAgoItsIntervalBegan() {
        admitted(Reason.CONNECTION_ERROR, 12);
        advance(Duration.ofMinutes(10));
        log.admit(Reason.CONNECTION_ERROR);
        assertEquals(List.of(new Summary(Reason.CONNECTION_ERROR, 2, Duration.ofMinutes(10))), summaries);
    }

    @Test
    void countsStayExactUnderContention() throws Exception {
        int threads = 4;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return admitted(Reason.TLS_HANDSHAKE_FAILED, perThread);
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Integer> r : results) {
                admitted += r.get(30, TimeUnit.SECONDS);
            }
            assertEquals(10, admitted);
            advance(SECOND);
            log.flush();
            assertEquals(List.of(new Summary(Reason.TLS_HANDSHAKE_FAILED, threads * perThread - 10L, SECOND)), summaries);
        } finally {
            pool.shutdownNow();
        }
    }
}
