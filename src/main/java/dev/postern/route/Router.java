package dev.postern.route;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.RoutesConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a login name into the backends to try, in order. An empty list means no route: the caller answers
 * as for a wrong password.
 */
public final class Router {
    private final RouteCache cache;
    private final Map<String, Pool> pools;
    private final String defaultPool;

    public Router(RouteCache cache, Map<String, PoolConfig> pools, RoutesConfig routes) {
        this.cache = cache;
        Map<String, Pool> built = new HashMap<>();
        pools.forEach((name, config) -> built.put(name, new Pool(config)));
        this.pools = Map.copyOf(built);
        this.defaultPool = routes.defaultPool();
    }

    public CompletableFuture<List<HostPort>> candidates(String loginName) {
        String key = LoginNames.key(loginName);
        return cache.lookup(key).thenApply(found -> {
            Route route = found.orElse(defaultPool == null ? null : new Route.ToPool(defaultPool));
            if (route == null) {
                return List.of();
            }
            if (route instanceof Route.ToBackend b) {
                return List.of(b.backend());
            }
            Pool pool = pools.get(((Route.ToPool) route).pool());
            return pool == null ? List.of() : pool.orderFor(key);
        });
    }

    public RouteCache cache() {
        return cache;
    }
}
