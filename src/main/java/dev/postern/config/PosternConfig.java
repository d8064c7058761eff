package dev.postern.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration, immutable; built and validated by {@link ConfigLoader}.
 *
 * @param pools by name, in the file's order
 * @param greeting text after {@code * OK [CAPABILITY ...]} in the greeting
 * @param admin the admin API, or null when off
 * @param source the file this came from (relative paths were resolved against its folder)
 */
public record PosternConfig(List<ListenerConfig> listeners, TlsConfig tls, Map<String, PoolConfig> pools,
                            RoutesConfig routes, LimitsConfig limits, TimeoutsConfig timeouts, String greeting,
                            LoggingConfig logging, AdminConfig admin, OAuthConfig oauth, Path source) {
    public PosternConfig {
        listeners = List.copyOf(listeners);
        // The file's order, the same on every run (Map.copyOf's order changes from one JVM to the next).
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
    }
}
