package dev.postern.config;

import java.util.Objects;

/**
 * One backend IMAP server of a pool, with its share of the pool's users.
 *
 * @param draining takes no new sessions (open ones stay) — for taking a server out of service gently
 */
public record BackendConfig(HostPort address, int weight, boolean draining) {
    public BackendConfig {
        Objects.requireNonNull(address, "address");
        if (weight <= 0) {
            throw new IllegalArgumentException("weight " + weight + " (expected: > 0)");
        }
    }

    public BackendConfig(HostPort address, int weight) {
        this(address, weight, false);
    }
}
