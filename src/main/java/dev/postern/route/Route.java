package dev.postern.route;

import dev.postern.config.HostPort;
import java.time.Duration;

/**
 * What a source answers for a user: a pool (which picks the backend), one backend, or a refusal. A pool or backend
 * answer of a source that authenticates (auth_http with {@code authenticates: true}) carries its {@link Verdict}.
 */
public sealed interface Route {
    record ToPool(String pool, Verdict verdict) implements Route {
        public ToPool(String pool) {
            this(pool, null);
        }
    }

    record ToBackend(HostPort backend, Verdict verdict) implements Route {
        public ToBackend(HostPort backend) {
            this(backend, null);
        }
    }

    /**
     * The source checked the password or token itself and says the login is good. The backend then gets
     * {@code user} and {@code password} when the source gave a password (nginx's {@code Auth-User}/{@code Auth-Pass});
     * else the pool's master login as {@code user} (the login name when the source named none). Never cached.
     */
    record Verdict(String user, byte[] password) {
        @Override
        public String toString() {
            return "Verdict[user=" + user + (password == null ? "" : ", password=<hidden>") + "]";
        }
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
