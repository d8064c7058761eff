package dev.postern.route;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.config.RoutesConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Caffeine in front of a {@link RouteSource}: one load per key at a time, expire-after-write with a shorter
 * lifetime for "no such user", a size bound. Failed loads are not cached.
 */
public final class RouteCache {
    private final AsyncLoadingCache<String, Optional<Route>> cache;

    public RouteCache(RouteSource source, RoutesConfig config, Ticker ticker) {
        Duration ttl = config.cacheTtl();
        Duration negative = config.cacheNegativeTtl();
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cacheMaxEntries())
                .ticker(ticker)
                .expireAfter(new Expiry<String, Optional<Route>>() {
                    @Override
                    public long expireAfterCreate(String key, Optional<Route> value, long now) {
                        return (value.isPresent() ? ttl : negative).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Optional<Route> value, long now, long remaining) {
                        return expireAfterCreate(key, value, now);
                    }

                    @Override
                    public long expireAfterRead(String key, Optional<Route> value, long now, long remaining) {
                        return remaining;
                    }
                })
                .recordStats()
                .buildAsync((key, executor) -> source.lookup(key));
    }

    public CompletableFuture<Optional<Route>> lookup(String loginKey) {
        return cache.get(loginKey);
    }

    public void invalidate(String loginKey) {
        cache.synchronous().invalidate(loginKey);
    }

    public void invalidateAll() {
        cache.synchronous().invalidateAll();
    }

    public com.github.benmanes.caffeine.cache.stats.CacheStats stats() {
        return cache.synchronous().stats();
    }
}
