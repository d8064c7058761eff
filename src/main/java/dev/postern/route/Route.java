package dev.postern.route;

import dev.postern.config.HostPort;
import java.time.Duration;

/** What a source answers for a user: a pool (which picks the backend), one backend, or a refusal. */
public sealed interface Route {
    record ToPool(String pool) implements Route {
    }

    record ToBackend(HostPort backend) implements Route {
    }

    /**
     * The source refuses the login (an auth_http {@code Auth-Status} other than OK): {@code text} goes to the client
     * in a NO after {@code delay}. Never cached: it may depend on the password or the attempt.
     */
    record Refused(String text, Duration delay) implements Route {
    }

    /** Reads a route target as written in config: a pool name when such a pool exists, else host:port. */
    static Route parse(String target, java.util.Set<String> pools) {
        return pools.contains(target) ? new ToPool(target) : new ToBackend(HostPort.parse(target));
    }
}
