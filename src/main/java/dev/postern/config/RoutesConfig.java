package dev.postern.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where logins go.
 *
 * @param defaultPool pool for users no source knows; null refuses them like a wrong password
 * @param staticRoutes login key to a pool name or a {@code host:port}; consulted before {@code sources}
 * @param sources further route sources, asked in order
 * @param cache the route cache in front of all sources
 * @param loginNames how login names become route keys
 * @param unlistedTargets how Postern speaks to a route target that is no pool's backend
 */
public record RoutesConfig(String defaultPool, Map<String, String> staticRoutes, List<RouteSourceConfig> sources,
                           CacheConfig cache, LoginNameConfig loginNames, UnlistedTargets unlistedTargets) {
    public RoutesConfig {
        // In the file's order: two keys that normalise to the same login must resolve the same way on every run.
        staticRoutes = Collections.unmodifiableMap(new LinkedHashMap<>(staticRoutes));
        sources = List.copyOf(sources);
    }

    /**
     * By key name, as under {@code routes:} in the file, with {@code pools} the pool names targets may use;
     * {@code sources} holds mappings such as {@code {type: file, path: ...}}; unset keys get defaults.
     */
    public static RoutesConfig of(Set<String> pools, Map<String, ?> values) {
        return ConfigNode.strict("routes", values, node -> ConfigLoader.routes(node, pools));
    }

    /**
     * @param refresh after this age a read serves the cached route and reloads it in the background
     */
    public record CacheConfig(boolean enabled, Duration ttl, Duration negativeTtl, Duration refresh, int maxEntries) {
        static final ConfigSection<CacheConfig> SECTION = ConfigSection.of(CacheConfig.class,
                ConfigKey.flag("enabled", true),
                ConfigKey.duration("ttl", Duration.ofMinutes(5), Duration.ZERO),
                ConfigKey.duration("negative_ttl", Duration.ofSeconds(30), Duration.ZERO),
                ConfigKey.duration("refresh", Duration.ofMinutes(1), Duration.ofMillis(1)),
                ConfigKey.whole("max_entries", 100_000, 1, 100_000_000));

        public static final CacheConfig DEFAULTS = SECTION.defaults();
    }

    /**
     * {@code routes.unlisted_targets}: a {@code host:port} from a route source that matches no pool's backend (by
     * name, or by resolved address and port) is refused, or reached with {@code tls} ({@code {tls: none}} by default,
     * plain IMAP as before; {@code {tls: implicit|starttls, ca: ...}} with the keys of a pool's {@code tls:}).
     */
    public record UnlistedTargets(boolean refuse, BackendTlsConfig tls) {
        public static final UnlistedTargets DEFAULTS = new UnlistedTargets(false, BackendTlsConfig.NONE);
        public static final UnlistedTargets REFUSE = new UnlistedTargets(true, BackendTlsConfig.NONE);
    }
}
