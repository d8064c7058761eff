package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connection-limit keys of issue 8: their defaults, bounds and spellings. */
class ConnectionLimitsConfigTest {

    @Test
    void defaultsAreTheOperatorContract() {
        LimitsConfig d = LimitsConfig.DEFAULTS;
        assertEquals(10_000, d.maxConnections());
        assertEquals(50, d.maxConnectionsPerIp());
        assertEquals(64, d.ipv6Prefix());
        assertEquals(List.of(), d.exempt());
        assertEquals(50, d.maxSessionsPerUser());
        assertEquals(Integer.MAX_VALUE, pool(Map.of()).maxConnectionsPerBackend(), "unlimited by default");
    }

    @Test
    void keysAreReadByTheirNames() {
        LimitsConfig l = LimitsConfig.of(Map.of("max_connections", 200, "max_connections_per_ip", 5, "ipv6_prefix", 56,
                "exempt", List.of("192.0.2.0/24"), "max_sessions_per_user", 2));
        assertEquals(List.of(200, 5, 56, 2), List.of(l.maxConnections(), l.maxConnectionsPerIp(), l.ipv6Prefix(),
                l.maxSessionsPerUser()));
        assertEquals(List.of(Cidr.parse("192.0.2.0/24")), l.exempt());
        assertEquals(3, pool(Map.of("max_connections_per_backend", 3)).maxConnectionsPerBackend());
        assertEquals(Integer.MAX_VALUE, pool(Map.of("max_connections_per_backend", "Unlimited")).maxConnectionsPerBackend());
    }

    @Test
    void outOfBoundValuesAreNamedByKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LimitsConfig.of(Map.of(
                "max_connections", 0, "max_connections_per_ip", -1, "ipv6_prefix", 129, "max_sessions_per_user", 0)));
        assertEquals("limits.max_connections: 0 (expected: 1 to 10000000); "
                + "limits.max_connections_per_ip: -1 (expected: 1 to 10000000); "
                + "limits.ipv6_prefix: 129 (expected: 32 to 128); "
                + "limits.max_sessions_per_user: 0 (expected: 1 to 10000000)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pool(Map.of("max_connections_per_backend", 0)));
        assertEquals("pools.main.max_connections_per_backend: 0 (expected: 1 to 10000000)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pool(Map.of("max_connections_per_backend", "lots")));
        assertEquals("pools.main.max_connections_per_backend: 'lots' (expected: a whole number or unlimited)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LimitsConfig.of(Map.of("exempt", "10.0.0.0/8")));
        assertEquals("limits.exempt: '10.0.0.0/8' (expected: a list)", e.getMessage());
    }

    private static PoolConfig pool(Map<String, Object> extra) {
        Map<String, Object> values = new java.util.HashMap<>(extra);
        values.put("backends", List.of("10.0.0.1:143"));
        return PoolConfig.of("main", values);
    }
}
