package dev.postern.config;

import java.util.List;

/** A named, weighted list of backends that share a set of users, and how their health is checked. */
public record PoolConfig(String name, List<BackendConfig> backends, HealthConfig health) {
    public PoolConfig {
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no backends");
        }
    }

    public PoolConfig(String name, List<BackendConfig> backends) {
        this(name, backends, HealthConfig.DEFAULTS);
    }
}
