package dev.postern.route;

import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.metrics.ProxyMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Up/down and draining state of every pooled backend, fed by active checks and by real logins (passive; a login
 * counts only up to the moment the client's credentials were sent).
 * {@code fall} failures in a row take a backend down, {@code rise} successes bring it back. A draining backend
 * takes no new sessions; its open sessions are left alone. Backends not in any pool are always usable.
 *
 * <p>Without active checks ({@code enabled: false}) nothing would ever find out that a backend taken down by failed
 * logins is back, so such a mark lasts {@code interval}: then the backend counts as up for the next login (a retry,
 * like nginx's {@code fail_timeout}); a failed retry keeps it down for another {@code interval}, {@code rise}
 * successful logins clear the mark.
 */
public final class BackendHealth {
    private static final Logger LOG = LoggerFactory.getLogger(BackendHealth.class);

    private final Map<HostPort, Entry> entries = new ConcurrentHashMap<>();

    /** Per backend; its counters change rarely (checks, failures), so a monitor is cheap enough. */
    static final class Entry {
        final HostPort address;
        /** Replaced by a reload; the counters below carry on. */
        volatile HealthConfig config;
        volatile boolean up = true;
        volatile boolean draining;
        /** When the last failure while down happened (System.nanoTime), for the passive retry. */
        private volatile long downSince;
        final LongAdder sessions = new LongAdder();
        private int successes;
        private int failures;

        Entry(HostPort address, HealthConfig config) {
            this.address = address;
            this.config = config;
        }

        synchronized void success() {
            failures = 0;
            if (!up && ++successes >= config.rise()) {
                up = true;
                successes = 0;
                LOG.warn("backend {} is UP again", address);
            }
        }

        synchronized void failure(String reason) {
            successes = 0;
            if (!up) {
                downSince = System.nanoTime();
            } else if (++failures >= config.fall()) {
                up = false;
                failures = 0;
                downSince = System.nanoTime();
                LOG.warn("backend {} is DOWN: {}", address, reason);
            }
        }

        /** Up, or down by passive marking only and due for a retry. */
        boolean usableAsUp() {
            return up || !config.enabled() && System.nanoTime() - downSince >= config.interval().toNanos();
        }
    }

    /**
     * Adds a backend, or (on a reload) gives a known one its new settings while its state (up or down, sessions)
     * carries on. Pools that share a backend must agree on its health and draining settings (the configuration
     * refuses anything else), so which pool registers it first does not matter.
     */
    public void register(HostPort address, HealthConfig config, boolean draining) {
        Entry entry = entries.computeIfAbsent(address, a -> new Entry(a, config));
        entry.config = config;
        entry.draining = draining;
    }

    /** Registers each backend's up, draining and sessions gauges (after every register; again after a reload). */
    public void bindMetrics(ProxyMetrics metrics) {
        for (Entry e : entries.values()) {
            metrics.backend(e.address.toString(), () -> e.up, () -> e.draining, e.sessions::sum);
        }
    }

    /** Up and not draining; unknown backends (a static host:port route) are usable. */
    public boolean isUsable(HostPort address) {
        Entry e = entries.get(address);
        return e == null || (e.usableAsUp() && !e.draining);
    }

    /** Up; without active checks also a backend whose passive down mark is older than the interval (a retry). */
    public boolean isUp(HostPort address) {
        Entry e = entries.get(address);
        return e == null || e.usableAsUp();
    }

    public boolean isDraining(HostPort address) {
        Entry e = entries.get(address);
        return e != null && e.draining;
    }

    /** Marks a backend draining (no new sessions) or back in service. Returns false for an unknown backend. */
    public boolean setDraining(HostPort address, boolean draining) {
        Entry e = entries.get(address);
        if (e == null) {
            return false;
        }
        if (e.draining != draining) {
            e.draining = draining;
            LOG.warn("backend {} {}", address, draining ? "is DRAINING: no new sessions" : "takes new sessions again");
        }
        return true;
    }

    public void recordSuccess(HostPort address) {
        Entry e = entries.get(address);
        if (e != null) {
            e.success();
        }
    }

    public void recordFailure(HostPort address, String reason) {
        Entry e = entries.get(address);
        if (e != null) {
            e.failure(reason);
        }
    }

    public void sessionOpened(HostPort address) {
        Entry e = entries.get(address);
        if (e != null) {
            e.sessions.increment();
        }
    }

    public void sessionClosed(HostPort address) {
        Entry e = entries.get(address);
        if (e != null) {
            e.sessions.decrement();
        }
    }

    public long sessions(HostPort address) {
        Entry e = entries.get(address);
        return e == null ? 0 : e.sessions.sum();
    }

    /** The backends with active checks enabled, and their settings (the checks themselves live in {@code backend}). */
    public Map<HostPort, HealthConfig> activeChecks() {
        Map<HostPort, HealthConfig> checked = new HashMap<>();
        entries.values().stream().filter(e -> e.config.enabled()).forEach(e -> checked.put(e.address, e.config));
        return checked;
    }
}
