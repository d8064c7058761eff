package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.CappedCounts;
import java.util.Map;

/**
 * The caps a login must fit on its way to a backend, counted exactly across event loops: logged-in sessions of one
 * user on this instance ({@code limits.max_sessions_per_user}, by route key) and open connections to one backend,
 * logins in progress and relayed sessions alike ({@code pools.<name>.max_connections_per_backend}; a backend without
 * a cap is counted, never refused). Every slot comes back as a lease released once.
 */
public final class SessionCaps {
    private final int maxSessionsPerUser;
    private final Map<HostPort, Integer> maxPerBackend;
    private final ProxyMetrics metrics;
    private final CappedCounts<String> users = new CappedCounts<>();
    private final CappedCounts<HostPort> backends = new CappedCounts<>();

    /** @param maxPerBackend caps by backend address; absent means unlimited */
    public SessionCaps(int maxSessionsPerUser, Map<HostPort, Integer> maxPerBackend, ProxyMetrics metrics) {
        this.maxSessionsPerUser = maxSessionsPerUser;
        this.maxPerBackend = Map.copyOf(maxPerBackend);
        this.metrics = metrics;
    }

    public static SessionCaps unlimited() {
        return new SessionCaps(Integer.MAX_VALUE, Map.of(), ProxyMetrics.NOOP);
    }

    /** A session slot for the user with this route key, or null when the user has all of theirs. */
    CappedCounts<String>.Lease user(String routeKey) {
        return counted(users.tryAcquire(routeKey, maxSessionsPerUser), "max_sessions_per_user");
    }

    /** A connection slot on the backend, or null when it is full. */
    CappedCounts<HostPort>.Lease backend(HostPort backend) {
        return counted(backends.tryAcquire(backend, maxPerBackend.getOrDefault(backend, Integer.MAX_VALUE)),
                "max_connections_per_backend");
    }

    private <L> L counted(L lease, String limit) {
        if (lease == null) {
            metrics.limitHit(limit);
        }
        return lease;
    }

    /** Sessions (and logins in progress) of the user with this route key. */
    public int sessionsOf(String routeKey) {
        return users.count(routeKey);
    }

    /** Connections open to the backend: logins in progress and relayed sessions. */
    public int openOn(HostPort backend) {
        return backends.count(backend);
    }
}
