package dev.postern.route;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.postern.metrics.CacheCounts;
import dev.postern.metrics.ProxyMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Caffeine in front of the route sources. One load per key at a time (concurrent logins of one user share it);
 * found routes live {@code ttl}, "no such user" lives {@code negativeTtl}, refusals are never kept. After
 * {@code refresh} a read still gets the cached answer while a fresh one loads in the background; a refresh that
 * fails keeps the cached answer. Behind a source that uses the client's password there is no background refresh
 * (it would have no password to send): entries expire and the next login asks with its own. Failed loads are not
 * cached: the next login asks again. The key asked and the key cached are always the same: the request's login key.
 */
public final class RouteCache {

    /** Cache settings; {@code enabled=false} sends every lookup to the sources (for comparison runs). */
    public record Settings(boolean enabled, Duration ttl, Duration negativeTtl, Duration refresh, long maxEntries) {
    }

    private final RouteSource source;
    private final AsyncLoadingCache<String, Optional<Route>> cache;

    public RouteCache(RouteSource source, Settings settings, Ticker ticker, Executor executor) {
        this.source = source;
        if (!settings.enabled()) {
            this.cache = null;
            return;
        }
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .maximumSize(settings.maxEntries())
                .ticker(ticker)
                .executor(executor)
                .recordStats();
        // A background refresh has no password. A source that checks it (auth_http with send_password) would count
        // the refresh as a failed login and might lock the account: its entries simply expire instead.
        if (settings.refresh() != null && settings.refresh().compareTo(settings.ttl()) < 0 && !source.needsPassword()) {
            builder.refreshAfterWrite(settings.refresh());
        }
        this.cache = builder
                .expireAfter(new Expiry<String, Optional<Route>>() {
                    @Override
                    public long expireAfterCreate(String key, Optional<Route> value, long now) {
                        if (value.isEmpty()) {
                            return settings.negativeTtl().toNanos();
                        }
                        return value.get() instanceof Route.Refused ? 0 : settings.ttl().toNanos();
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
                .buildAsync(new AsyncCacheLoader<>() {
                    @Override
                    public CompletableFuture<Optional<Route>> asyncLoad(String key, Executor ex) {
                        return source.lookup(LookupRequest.refresh(key));
                    }

                    @Override
                    public CompletableFuture<Optional<Route>> asyncReload(String key, Optional<Route> old, Executor ex) {
                        // A refusal in a background refresh (no password was sent) must not replace a good route.
                        return source.lookup(LookupRequest.refresh(key)).thenApply(fresh -> {
                            if (fresh.isPresent() && fresh.get() instanceof Route.Refused) {
                                throw new IllegalStateException("refresh refused; keeping the cached route");
                            }
                            return fresh;
                        });
                    }
                });
    }

    /** The route for this request: cached, or loaded once for all concurrent callers of the same key. */
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        // Behind a source that authenticates, an answer is a verdict on this password: never kept, never shared
        // with another login of the same user that happens to be in flight.
        if (cache == null || source.authenticates()) {
            return source.lookup(request);
        }
        return cache.get(request.loginKey(), (key, executor) -> source.lookup(request));
    }

    /** Whether a source behind the cache uses the client's password. */
    public boolean needsPassword() {
        return source.needsPassword();
    }

    public void invalidate(String loginKey) {
        if (cache != null) {
            cache.synchronous().invalidate(loginKey);
        }
    }

    public RouteSource source() {
        return source;
    }

    public void invalidateAll() {
        if (cache != null) {
            cache.synchronous().invalidateAll();
        }
    }

    public CacheStats stats() {
        return cache == null ? CacheStats.empty() : cache.synchronous().stats();
    }

    /** Registers the cache's meters (none when the cache is off). */
    public void bindMetrics(ProxyMetrics metrics) {
        if (cache != null) {
            metrics.routeCache(this::counts);
        }
    }

    private CacheCounts counts() {
        CacheStats s = cache.synchronous().stats();
        return new CacheCounts(cache.synchronous().estimatedSize(), s.hitCount(), s.missCount(), s.loadCount(),
                s.loadSuccessCount(), s.loadFailureCount(), s.totalLoadTime(), s.evictionCount(), s.evictionWeight());
    }
}
