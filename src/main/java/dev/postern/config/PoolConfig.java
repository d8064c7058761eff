package dev.postern.config;

import java.util.List;

/** A named, weighted list of backends that share a set of users. */
public record PoolConfig(String name, List<BackendConfig> backends) {
    public PoolConfig {
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no backends");
        }
    }
}
