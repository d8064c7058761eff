package dev.postern.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads {@code pools:} in the file's order, and checks what pools sharing a backend must agree on. */
final class PoolsLoader {
    static final String NO_BACKENDS = "missing or empty (expected: a list of host:port)";

    private PoolsLoader() {
    }

    static Map<String, PoolConfig> pools(ConfigNode root) {
        Map<String, PoolConfig> out = new LinkedHashMap<>();
        ConfigNode poolsNode = root.child("pools");
        for (Map.Entry<String, Object> e : root.entries("pools").entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof Map<?, ?>)) {
                poolsNode.problem(name, ConfigNode.describe(e.getValue()) + " (expected: a mapping with backends)");
                continue;
            }
            PoolConfig pool = PoolConfig.SECTION.read(poolsNode.child(name), Map.of("name", name));
            if (pool != null) {
                out.put(name, pool);
            }
        }
        checkSharedBackends(poolsNode, out);
        return out;
    }

    /**
     * {@code backends:}, each {@code "host:port"} or {@code {address: "host:port", weight: N, draining: false}}. Null
     * when empty or when an entry has no usable address: such a pool is left out rather than run with fewer servers
     * than the file lists.
     */
    static List<BackendConfig> backends(ConfigNode pool, String key, List<BackendConfig> fallback) {
        List<Object> raw = pool.list(key);
        if (raw.isEmpty()) {
            pool.problem(key, NO_BACKENDS);
            return null;
        }
        List<BackendConfig> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String entry = key + "[" + i + "]";
            BackendConfig backend;
            if (raw.get(i) instanceof Map<?, ?> m) {
                backend = BackendConfig.SECTION.read(pool.nested(entry, m));
            } else {
                HostPort address = pool.parsed(entry, raw.get(i), HostPort::parse);
                backend = address == null ? null
                        : BackendConfig.SECTION.read(pool.nested(entry, Map.of()), Map.of("address", address));
            }
            if (backend != null) {
                out.add(backend);
            }
        }
        return out.size() == raw.size() ? out : null;
    }

    /** Where an address was listed first. */
    private record Listed(PoolConfig pool, BackendConfig backend) {
    }

    /**
     * A backend is one server whichever pool lists it: its TLS is chosen by its address, and it has one health
     * state and one draining flag. So pools that share a backend must agree on its tls, health and draining settings
     * (its weight may differ); otherwise which pool's settings apply would depend on the order pools are read.
     */
    static void checkSharedBackends(ConfigNode poolsNode, Map<String, PoolConfig> pools) {
        Map<HostPort, Listed> seen = new HashMap<>();
        for (PoolConfig pool : pools.values()) {
            for (int i = 0; i < pool.backends().size(); i++) {
                BackendConfig backend = pool.backends().get(i);
                Listed first = seen.putIfAbsent(backend.address(), new Listed(pool, backend));
                if (first == null || first.pool() == pool) {
                    continue;
                }
                String key = pool.name() + ".backends[" + i + "]";
                String other = first.pool().name();
                String also = backend.address() + " is also in pool '" + other + "' with different ";
                if (!first.pool().tls().equals(pool.tls())) {
                    poolsNode.problem(key, also + "tls settings (TLS is chosen by the backend's address: "
                            + "give both pools the same tls, or list the backend under another name)");
                }
                HealthConfig here = pool.health();
                HealthConfig there = first.pool().health();
                List<ConfigKey<?>> differ = HealthConfig.SECTION.differences(here, there);
                if (!differ.isEmpty()) {
                    poolsNode.problem(key, also + "health settings (" + differ.stream()
                            .map(k -> "health." + k.name() + ": " + text(HealthConfig.SECTION.value(here, k)) + " here, "
                                    + text(HealthConfig.SECTION.value(there, k)) + " in '" + other + "'")
                            .collect(Collectors.joining(", ")) + "; a backend has one health state: give both pools "
                            + "the same health)");
                }
                if (first.backend().draining() != backend.draining()) {
                    poolsNode.problem(key, also + "draining (" + backend.draining() + " here, "
                            + first.backend().draining() + " in '" + other + "'; a backend drains for every pool)");
                }
            }
        }
    }

    private static String text(Object value) {
        return value instanceof Duration d ? ConfigNode.human(d) : String.valueOf(value);
    }
}
