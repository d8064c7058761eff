package dev.postern.route;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One place routes come from (static map or file, rules, HTTP, LDAP). Empty means "not known here, ask the next
 * source"; a failed future means "could not ask" (a temporary failure, never a wrong answer). Implementations
 * must not block the calling thread: blocking work goes to the source's own bounded executor.
 */
public interface RouteSource extends AutoCloseable {
    CompletableFuture<Optional<Route>> lookup(LookupRequest request);

    /**
     * Whether this source uses the client's password (an auth_http service with {@code send_password}); a login
     * copies the password into its {@link LookupRequest} only when some source does.
     */
    default boolean authenticates() {
        return false;
    }

    default boolean needsPassword() {
        return false;
    }

    /** A short name for logs and metric tags. */
    String name();

    /** Called after the source's data changed (a reloaded file), so caches can drop what they hold. */
    default void onChange(Runnable listener) {
    }

    @Override
    default void close() {
    }
}
