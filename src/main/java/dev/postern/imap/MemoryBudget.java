package dev.postern.imap;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Octets that many connections together may hold, one shared count: each {@link ImapCommandFramer} reserves what
 * it keeps for a client that has not logged in, and gives it back as commands complete and when it leaves the
 * pipeline. Lock-free; any thread.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /** @param limit octets all holders together may reserve */
    public MemoryBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** No bound (tests and tools that do not exercise the budget). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /** Reserves {@code octets} if the budget allows it; nothing is reserved otherwise. */
    public boolean tryReserve(long octets) {
        long now;
        do {
            now = used.get();
            if (octets > limit - now) {
                return false;
            }
        } while (!used.compareAndSet(now, now + octets));
        return true;
    }

    public void release(long octets) {
        used.addAndGet(-octets);
    }

    /** Octets reserved now, by every holder together. */
    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
