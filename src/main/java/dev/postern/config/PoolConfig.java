package dev.postern.config;

import java.util.List;

/**
 * A named, weighted list of backends that share a set of users, how their health is checked, and how Postern
 * speaks TLS to them.
 */
public record PoolConfig(String name, List<BackendConfig> backends, HealthConfig health, BackendTlsConfig tls) {
    public PoolConfig {
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no backends");
        }
        if (tls == null) {
            tls = BackendTlsConfig.NONE;
        }
    }

    public PoolConfig(String name, List<BackendConfig> backends, HealthConfig health) {
        this(name, backends, health, BackendTlsConfig.NONE);
    }

    public PoolConfig(String name, List<BackendConfig> backends) {
        this(name, backends, HealthConfig.DEFAULTS);
    }
}
