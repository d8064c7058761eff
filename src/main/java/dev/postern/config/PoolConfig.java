package dev.postern.config;

import java.util.List;
import java.util.Map;

/**
 * A named, weighted list of backends that share a set of users, how their health is checked, and how Postern
 * speaks TLS to them.
 *
 * @param maxConnectionsPerBackend open connections (logins in progress and relayed sessions) one backend of the pool
 *                                 takes; {@link Integer#MAX_VALUE} for unlimited
 * @param forward how the backends learn the client's address: not at all, an ID command before the login (Dovecot's
 *                {@code login_trusted_networks}), or a PROXY protocol header first on the connection
 * @param forwardClientId with {@code forward: id}, also pass the client's own ID fields (name, version, os...)
 * @param master the master user for logins Postern authenticated itself; null when the pool has none
 */
public record PoolConfig(String name, List<BackendConfig> backends, HealthConfig health, BackendTlsConfig tls,
                         int maxConnectionsPerBackend, Forward forward, boolean forwardClientId, MasterConfig master) {

    /** {@code pools.<name>.forward}. */
    public enum Forward { NONE, ID, PROXY_V1, PROXY_V2 }

    /** {@code pools.<name>:}; the name is the pool's key under {@code pools:}. */
    static final ConfigSection<PoolConfig> SECTION = ConfigSection.of(PoolConfig.class,
            ConfigKey.given("name", String.class),
            ConfigKey.custom("tls", BackendTlsConfig.class, BackendTlsConfig.NONE,
                    (node, key, fallback) -> BackendTlsLoader.read(node.child(key))),
            ConfigKey.custom("backends", List.class, null, PoolsLoader::backends).required(PoolsLoader.NO_BACKENDS),
            ConfigKey.section("health", HealthConfig.SECTION),
            ConfigKey.wholeOrUnlimited("max_connections_per_backend", 1, 10_000_000),
            ConfigKey.choice("forward", Forward.class, Forward.NONE),
            ConfigKey.flag("forward_client_id", false),
            ConfigKey.custom("master", MasterConfig.class, null, MasterConfig::read));

    public PoolConfig {
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no backends");
        }
        if (tls == null) {
            tls = BackendTlsConfig.NONE;
        }
    }

    /**
     * By key name, as under {@code pools.<name>:} in the file: {@code backends} holds {@code "host:port"} texts or
     * {@code {address, weight, draining}} mappings; unset keys get defaults.
     */
    public static PoolConfig of(String name, Map<String, ?> values) {
        return ConfigNode.strict("pools." + name, values, node -> SECTION.read(node, Map.of("name", name)));
    }
}
