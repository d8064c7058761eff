package dev.postern.route;

import dev.postern.config.HostPort;

/** Where a user goes: a pool (which picks the backend) or one backend. */
public sealed interface Route {
    record ToPool(String pool) implements Route {
    }

    record ToBackend(HostPort backend) implements Route {
    }

    /** Reads a route target as written in config: a pool name when such a pool exists, else host:port. */
    static Route parse(String target, java.util.Set<String> pools) {
        return pools.contains(target) ? new ToPool(target) : new ToBackend(HostPort.parse(target));
    }
}
