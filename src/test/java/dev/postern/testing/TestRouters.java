package dev.postern.testing;

import dev.postern.config.PoolConfig;
import dev.postern.route.BackendHealth;
import dev.postern.route.LoginNames;
import dev.postern.route.LookupRequest;
import dev.postern.route.Route;
import dev.postern.route.RouteCache;
import dev.postern.route.RouteSource;
import dev.postern.route.Router;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Routers for tests of what happens after routing: no source knows anyone, every user goes to one pool. */
public final class TestRouters {
    private TestRouters() {
    }

    /** Every login goes to {@code pool} (the default pool), in its rendezvous order; no cache. */
    public static Router toPool(PoolConfig pool, BackendHealth health) {
        RouteSource none = new RouteSource() {
            @Override
            public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
                return CompletableFuture.completedFuture(Optional.empty());
            }

            @Override
            public String name() {
                return "none";
            }
        };
        RouteCache cache = new RouteCache(none, new RouteCache.Settings(false, Duration.ofMinutes(1),
                Duration.ofMinutes(1), Duration.ofMinutes(1), 10), System::nanoTime, Runnable::run);
        return new Router(cache, Map.of(pool.name(), pool), pool.name(), health, LoginNames.DEFAULT);
    }
}
