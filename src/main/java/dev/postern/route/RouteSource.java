package dev.postern.route;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One place routes come from (static map, rules, HTTP, LDAP...). Empty means "not known here, ask the next
 * source"; a failed future means "could not ask" (a temporary failure, never a wrong answer).
 * Implementations must not block the calling thread.
 */
public interface RouteSource {
    CompletableFuture<Optional<Route>> lookup(String loginKey);

    /** A short name for logs and metric tags. */
    String name();
}
