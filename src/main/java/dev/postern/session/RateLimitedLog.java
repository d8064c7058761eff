package dev.postern.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps per-connection failure lines from flooding the log: per {@link Reason}, at most {@code limit} lines per
 * interval are let through, and for each interval with more, one summary line says how many were held back.
 * A flood of failed handshakes then costs a few lines a second, not one per connection.
 *
 * <p>Call sites keep their own logger and message: {@code if (FAILURES.admit(Reason.TLS_REFUSED)) LOG.info(...)},
 * so a suppressed line costs one CAS and no formatting. Lock-free: each reason is one {@code long} holding its
 * interval number (high 32 bits) and how many lines that interval has seen (low 32 bits); whoever moves a reason
 * into a new interval reports the old interval's excess, which makes every summary's count exact. Summaries say
 * only a reason and a count, never anything from a connection.
 */
public final class RateLimitedLog {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitedLog.class);
    private static final long COUNT_MASK = 0xFFFF_FFFFL;

    /** The fixed set of per-connection failure lines; the label names them in summaries. */
    public enum Reason {
        /** A client's TLS handshake failed or timed out (no ClientHello, a failed or stalled handshake). */
        TLS_HANDSHAKE_FAILED("tls handshake failed"),
        /** A ClientHello refused before any handshake (ALPN without {@code imap}). */
        TLS_REFUSED("tls refused"),
        /** A client broke the pre-auth protocol or its bounds (line, literal, bad commands, bytes after STARTTLS). */
        PROTOCOL_VIOLATION("protocol violation"),
        /** A connection or login refused by a Postern limit (per address, per user, memory budget). */
        LIMIT_HIT("limit hit"),
        /** A connection closed after an unexpected error. */
        CONNECTION_ERROR("connection error"),
        /** A backend could not be used for a login (connect, TLS, greeting); the next one is tried. */
        BACKEND_FAILED("backend failed");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Receives one summary per reason and interval that had lines held back. */
    interface Summary {
        void suppressed(Reason reason, long count, Duration span);
    }

    /** The process's limiter: 10 lines per reason per second, summaries at WARN (they survive a full log queue). */
    public static final RateLimitedLog FAILURES = new RateLimitedLog(10, Duration.ofSeconds(1), System::nanoTime,
            (reason, count, span) -> LOG.warn("suppressed {} '{}' lines in the last {} s", count, reason.label(),
                    Math.max(1, (span.toMillis() + 999) / 1000)));

    private final long limit;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final long origin;
    private final Summary summary;
    /** Per reason ordinal: interval number << 32 | lines seen in it (saturating). */
    private final AtomicLongArray state = new AtomicLongArray(Reason.values().length);

    RateLimitedLog(int limit, Duration interval, LongSupplier nanoClock, Summary summary) {
        if (limit < 1 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("limit " + limit + ", interval " + interval);
        }
        this.limit = limit;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.origin = nanoClock.getAsLong();
        this.summary = summary;
    }

    /** True if a line for this reason may be logged now; false if it is counted for the next summary instead. */
    public boolean admit(Reason reason) {
        long now = nanoClock.getAsLong();
        long interval = interval(now);
        int i = reason.ordinal();
        while (true) {
            long s = state.get(i);
            long current = s >>> 32;
            long seen = s & COUNT_MASK;
            if (interval <= current) {
                // A thread that read the clock just before another moved on counts in the newer interval.
                if (seen == COUNT_MASK || state.compareAndSet(i, s, s + 1)) {
                    return seen < limit;
                }
            } else if (state.compareAndSet(i, s, interval << 32 | 1)) {
                report(reason, seen, current, now);
                return true;
            }
        }
    }

    /**
     * Reports every reason whose last interval ended with lines held back, so a summary appears even when the
     * flood stops; call it about once per interval (the server does, on its scheduler thread).
     */
    public void flush() {
        long now = nanoClock.getAsLong();
        long interval = interval(now);
        for (Reason reason : Reason.values()) {
            int i = reason.ordinal();
            long s = state.get(i);
            long current = s >>> 32;
            long seen = s & COUNT_MASK;
            if (current < interval && seen > limit && state.compareAndSet(i, s, interval << 32)) {
                report(reason, seen, current, now);
            }
        }
    }

    private void report(Reason reason, long seen, long interval, long now) {
        if (seen > limit) {
            long start = origin + interval * intervalNanos;
            summary.suppressed(reason, seen - limit, Duration.ofNanos(now - start));
        }
    }

    /** Intervals since construction, kept to 31 bits (68 years of 1 s) so the packed state stays positive. */
    private long interval(long now) {
        return ((now - origin) / intervalNanos) & 0x7FFF_FFFFL;
    }
}
