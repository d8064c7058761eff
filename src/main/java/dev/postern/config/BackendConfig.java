package dev.postern.config;

import java.util.Objects;

/** One backend IMAP server of a pool, with its share of the pool's users. */
public record BackendConfig(HostPort address, int weight) {
    public BackendConfig {
        Objects.requireNonNull(address, "address");
        if (weight <= 0) {
            throw new IllegalArgumentException("weight " + weight + " (expected: > 0)");
        }
    }
}
