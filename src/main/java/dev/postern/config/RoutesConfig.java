package dev.postern.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where logins go.
 *
 * @param defaultPool pool for users no source knows; null refuses them like a wrong password
 * @param staticRoutes login key to a pool name or a {@code host:port}; consulted before {@code sources}
 * @param sources further route sources, asked in order
 * @param cache the route cache in front of all sources
 * @param loginNames how login names become route keys
 */
public record RoutesConfig(String defaultPool, Map<String, String> staticRoutes, List<RouteSourceConfig> sources,
                           CacheConfig cache, LoginNameConfig loginNames) {
    public RoutesConfig {
        staticRoutes = Map.copyOf(staticRoutes);
        sources = List.copyOf(sources);
    }

    /**
     * @param refresh after this age a read serves the cached route and reloads it in the background
     */
    public record CacheConfig(boolean enabled, Duration ttl, Duration negativeTtl, Duration refresh, long maxEntries) {
        public static final CacheConfig DEFAULTS =
                new CacheConfig(true, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100_000);
    }
}
