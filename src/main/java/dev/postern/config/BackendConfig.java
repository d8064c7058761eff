package dev.postern.config;

import java.util.Map;
import java.util.Objects;

/**
 * One backend IMAP server of a pool, with its share of the pool's users.
 *
 * @param draining takes no new sessions (open ones stay) — for taking a server out of service gently
 */
public record BackendConfig(HostPort address, int weight, boolean draining) {

    /** One entry of {@code pools.<name>.backends} in its long form; {@code "host:port"} alone means the defaults. */
    static final ConfigSection<BackendConfig> SECTION = ConfigSection.of(BackendConfig.class,
            ConfigKey.parsed("address", HostPort.class, HostPort::parse).required("missing (expected: host:port)"),
            ConfigKey.whole("weight", 1, 1, 10_000),
            ConfigKey.flag("draining", false));

    public BackendConfig {
        Objects.requireNonNull(address, "address");
        if (weight <= 0) {
            throw new IllegalArgumentException("weight " + weight + " (expected: > 0)");
        }
    }

    /** By key name, as one backend in the file ({@code address: "10.0.0.1:143", weight: 2}). */
    public static BackendConfig of(Map<String, ?> values) {
        return SECTION.of("backend", values);
    }
}
