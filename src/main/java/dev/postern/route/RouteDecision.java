package dev.postern.route;

import dev.postern.config.HostPort;
import java.time.Duration;
import java.util.List;

/** The router's answer for one login. */
public sealed interface RouteDecision {

    /** Backends to try, best first. */
    record Backends(List<HostPort> order) implements RouteDecision {
        public Backends {
            order = List.copyOf(order);
        }
    }

    /** A source refused the login: NO with {@code text} after {@code delay}. */
    record Refused(String text, Duration delay) implements RouteDecision {
    }

    /** No source knows the user and there is no default pool. */
    record NoRoute() implements RouteDecision {
    }

    /** A source named a pool that does not exist: a configuration error, a temporary failure to the client. */
    record UnknownPool(String pool) implements RouteDecision {
    }
}
