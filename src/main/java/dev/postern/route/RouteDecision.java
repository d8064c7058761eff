package dev.postern.route;

import dev.postern.config.HostPort;
import java.time.Duration;
import java.util.List;

/** The router's answer for one login. */
public sealed interface RouteDecision {

    /** Backends to try, best first; never empty (see {@link NoBackend}). */
    /** @param verdict the authenticating source's verdict on the login, or null (the backend checks it) */
    record Backends(List<HostPort> order, Route.Verdict verdict) implements RouteDecision {
        public Backends(List<HostPort> order) {
            this(order, null);
        }

        public Backends {
            order = List.copyOf(order);
            if (order.isEmpty()) {
                throw new IllegalArgumentException("no backend to try");
            }
        }
    }

    /**
     * The user's pool has no backend that takes new sessions (every one draining, or down and draining): a
     * temporary failure for the client, never the wrong-password reply.
     */
    record NoBackend(String pool) implements RouteDecision {
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
