package dev.postern.route;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Turns a login into the backends to try, in order: the cached route, else the default pool; within a pool the
 * user's rendezvous order with down and draining backends moved out. When every backend of the pool is down the
 * full order is tried anyway (health data may be stale; refusing everyone would be worse), draining ones never;
 * with nothing left the answer is {@link RouteDecision.NoBackend} (a temporary failure, not a wrong password).
 * It also decides what the sources see of a login (the normalised key, never the name as typed, so what a source
 * is asked is what the cache keeps; the client, the attempt, and the password only when a source uses it) and which
 * name the backend is given.
 */
public final class Router {
    private final RouteCache cache;
    private final Map<String, Pool> pools;
    private final String defaultPool;
    private final BackendHealth health;
    private final LoginNames names;

    public Router(RouteCache cache, Map<String, PoolConfig> pools, String defaultPool, BackendHealth health, LoginNames names) {
        this.cache = cache;
        Map<String, Pool> built = new HashMap<>();
        pools.forEach((name, config) -> built.put(name, new Pool(config)));
        this.pools = Map.copyOf(built);
        this.defaultPool = defaultPool;
        this.health = health;
        this.names = names;
    }

    /**
     * The backends for a login, from the name as the client typed it. The sources are asked (and the cache keyed)
     * by the normalised key alone; the password is fetched from {@code password} only when a source uses it, and wiped
     * once the lookup is over.
     *
     * @param client the client's address
     * @param attempt 1 for the first login on the connection, 2 after one failure, ...
     */
    public CompletableFuture<RouteDecision> resolve(String typedName, InetSocketAddress client, int attempt,
                                                    Supplier<byte[]> password) {
        return resolve(typedName, client, attempt, password, "plain", false);
    }

    /**
     * As above, for a client on TLS or not ({@code secure}) that logged in with {@code method} (auth_http's names:
     * plain, login, xoauth2, oauthbearer; with the last two the password is the token).
     */
    public CompletableFuture<RouteDecision> resolve(String typedName, InetSocketAddress client, int attempt,
                                                    Supplier<byte[]> password, String method, boolean secure) {
        LookupRequest request = request(typedName, client, attempt, password, method, secure);
        CompletableFuture<RouteDecision> decision;
        try {
            decision = resolve(request);
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        if (request.password() != null) {
            decision.whenComplete((d, e) -> Arrays.fill(request.password(), (byte) 0));
        }
        return decision;
    }

    /** What the sources are asked for a login. */
    LookupRequest request(String typedName, InetSocketAddress client, int attempt, Supplier<byte[]> password,
                          String method, boolean secure) {
        return new LookupRequest(names.key(typedName), cache.needsPassword() ? password.get() : null, client, attempt,
                method, secure);
    }

    /** The route key of a login name as typed: what counts as one user (cache, rendezvous, sessions, penalties). */
    public String loginKey(String typedName) {
        return names.key(typedName);
    }

    /** The name to log in with at the backend: as typed, or the normalised key when so configured. */
    public String nameForBackend(String typedName) {
        return names.forBackend(typedName);
    }

    /** The backends for a lookup already built (a test or a benchmark that chooses the key itself). */
    public CompletableFuture<RouteDecision> resolve(LookupRequest request) {
        return cache.lookup(request).thenApply(found -> {
            Route route = found.orElse(defaultPool == null ? null : new Route.ToPool(defaultPool));
            if (route == null) {
                return new RouteDecision.NoRoute();
            }
            if (route instanceof Route.Refused r) {
                return new RouteDecision.Refused(r.text(), r.delay());
            }
            if (route instanceof Route.ToBackend b) {
                return new RouteDecision.Backends(List.of(b.backend()), b.verdict());
            }
            Route.ToPool toPool = (Route.ToPool) route;
            String poolName = toPool.pool();
            Pool pool = pools.get(poolName);
            if (pool == null) {
                return new RouteDecision.UnknownPool(poolName);
            }
            List<HostPort> usable = usable(pool.orderFor(request.loginKey()));
            return usable.isEmpty() ? new RouteDecision.NoBackend(poolName)
                    : new RouteDecision.Backends(usable, toPool.verdict());
        });
    }

    private List<HostPort> usable(List<HostPort> order) {
        List<HostPort> up = new ArrayList<>(order.size());
        List<HostPort> down = new ArrayList<>();
        for (HostPort b : order) {
            if (health.isDraining(b)) {
                continue;
            }
            (health.isUp(b) ? up : down).add(b);
        }
        return up.isEmpty() ? down : up;
    }

    public RouteCache cache() {
        return cache;
    }

    public BackendHealth health() {
        return health;
    }
}
