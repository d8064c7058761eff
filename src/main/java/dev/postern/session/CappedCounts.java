package dev.postern.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Exact counts per key with a cap, safe from any thread: connections per client address, sessions per user,
 * connections per backend. Each change is one atomic {@link ConcurrentHashMap#compute} on the key, so two event
 * loops never both take the last slot, and a key's entry is removed when its count reaches zero (the map holds only
 * keys in use, whatever an attacker cycles through). Every slot taken comes back as a {@link Lease} whose release
 * takes effect once, however many close paths call it.
 *
 * @param <K> the key (with value equality)
 */
public final class CappedCounts<K> {
    private final Map<K, Integer> counts = new ConcurrentHashMap<>();

    /** A slot when {@code key} holds fewer than {@code cap}, else null. */
    public Lease tryAcquire(K key, int cap) {
        boolean[] taken = {false};
        counts.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= cap) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0] ? new Lease(key) : null;
    }

    /** Slots held by {@code key} now. */
    public int count(K key) {
        return counts.getOrDefault(key, 0);
    }

    /** Keys holding at least one slot. */
    public int keys() {
        return counts.size();
    }

    private void release(K key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** One slot of one key; {@link #release} gives it back once, later calls do nothing. */
    public final class Lease {
        private final K key;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(K key) {
            this.key = key;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                CappedCounts.this.release(key);
            }
        }
    }
}
