package dev.postern.route;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a login into the backends to try, in order: the cached route, else the default pool; within a pool the
 * user's rendezvous order with down and draining backends moved out. When every backend of the pool is down the
 * full order is tried anyway (health data may be stale; refusing everyone would be worse), draining ones never.
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
                return new RouteDecision.Backends(List.of(b.backend()));
            }
            String poolName = ((Route.ToPool) route).pool();
            Pool pool = pools.get(poolName);
            if (pool == null) {
                return new RouteDecision.UnknownPool(poolName);
            }
            return new RouteDecision.Backends(usable(pool.orderFor(request.loginKey())));
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

    public LoginNames names() {
        return names;
    }

    public RouteCache cache() {
        return cache;
    }

    public BackendHealth health() {
        return health;
    }
}
