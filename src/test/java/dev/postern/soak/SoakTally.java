package dev.postern.soak;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the churn did, counted from every worker thread: logins and their times, errors by kind, and the messages'
 * fate (appended and acknowledged, verified by checksum, lost, corrupted). Totals only grow; {@link #interval}
 * hands the reporter what changed since its last call.
 */
final class SoakTally {
    private final LongAdder logins = new LongAdder();
    private final LongAdder appended = new LongAdder();
    private final LongAdder verified = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final List<Long> loginNanos = new ArrayList<>();
    private long loginsReported;
    private Map<String, Long> errorsReported = Map.of();

    /** The figures of one report interval. */
    record Interval(long logins, double p99LoginMillis, Map<String, Long> errors) {
    }

    void login(long nanos) {
        logins.increment();
        synchronized (loginNanos) {
            loginNanos.add(nanos);
        }
    }

    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The kind of a failed session, by what the client met. */
    static String kindOf(Exception failure) {
        // the test client wraps what the socket threw with the responses read so far: judge the innermost
        Throwable e = failure;
        while (e.getCause() instanceof IOException inner) {
            e = inner;
        }
        if (e instanceof ConnectException) {
            return "refused";
        }
        if (e instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (e instanceof EOFException) {
            return "closed";
        }
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (e instanceof SocketException && message.contains("reset")) {
            return "reset";
        }
        if (e instanceof SocketException && message.contains("broken pipe")) {
            return "broken_pipe";
        }
        if (e instanceof UnexpectedReply) {
            return "unexpected_reply";
        }
        return "io";
    }

    void appended() {
        appended.increment();
    }

    void verified() {
        verified.increment();
    }

    void lost() {
        lost.increment();
    }

    void corrupt() {
        corrupt.increment();
    }

    long logins() {
        return logins.sum();
    }

    long appendedCount() {
        return appended.sum();
    }

    long verifiedCount() {
        return verified.sum();
    }

    long lostCount() {
        return lost.sum();
    }

    long corruptCount() {
        return corrupt.sum();
    }

    Map<String, Long> errorTotals() {
        Map<String, Long> totals = new TreeMap<>();
        errors.forEach((kind, n) -> totals.put(kind, n.sum()));
        return totals;
    }

    /** What changed since the last call: logins, their 99th percentile, errors by kind. */
    synchronized Interval interval() {
        long[] nanos;
        synchronized (loginNanos) {
            nanos = loginNanos.stream().mapToLong(Long::longValue).sorted().toArray();
            loginNanos.clear();
        }
        double p99 = nanos.length == 0 ? 0 : nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6;
        long total = logins.sum();
        long newLogins = total - loginsReported;
        loginsReported = total;
        Map<String, Long> now = errorTotals();
        Map<String, Long> delta = new TreeMap<>();
        Map<String, Long> before = errorsReported;
        now.forEach((kind, n) -> {
            long d = n - before.getOrDefault(kind, 0L);
            if (d > 0) {
                delta.put(kind, d);
            }
        });
        errorsReported = now;
        return new Interval(newLogins, p99, delta);
    }

    /** A reply that is not what the protocol allows at that point (not a network fault). */
    static final class UnexpectedReply extends IOException {
        UnexpectedReply(String what) {
            super(what);
        }
    }
}
