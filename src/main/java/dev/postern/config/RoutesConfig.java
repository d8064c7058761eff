package dev.postern.config;

import java.time.Duration;
import java.util.Map;

/**
 * Where logins go.
 *
 * @param defaultPool pool for users no source knows; null refuses them like a wrong password
 * @param staticRoutes login name (lower case) to a pool name or a {@code host:port}
 * @param cacheTtl how long a found route is kept
 * @param cacheNegativeTtl how long "no such user" is kept
 * @param cacheMaxEntries size bound of the route cache
 */
public record RoutesConfig(String defaultPool, Map<String, String> staticRoutes, Duration cacheTtl,
                           Duration cacheNegativeTtl, long cacheMaxEntries) {
    public RoutesConfig {
        staticRoutes = Map.copyOf(staticRoutes);
    }
}
