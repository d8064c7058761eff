package dev.postern.route;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A route source whose answers the test hands out: every lookup is recorded and gets a fresh pending future that
 * the test completes (or fails) when it chooses.
 */
final class ControlledRouteSource implements RouteSource {
    private final List<LookupRequest> requests = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Optional<Route>>> answers = new CopyOnWriteArrayList<>();
    /** Whether it says it uses the client's password (an auth_http source with send_password). */
    volatile boolean needsPassword;
    /** Whether it says its OK is a verdict on the password (auth_http with authenticates). */
    volatile boolean authenticates;

    @Override
    public boolean needsPassword() {
        return needsPassword;
    }

    @Override
    public boolean authenticates() {
        return authenticates;
    }

    @Override
    public synchronized CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        CompletableFuture<Optional<Route>> answer = new CompletableFuture<>();
        // The answer first: once a call is counted, its future is there to complete.
        answers.add(answer);
        requests.add(request);
        return answer;
    }

    int calls() {
        return requests.size();
    }

    LookupRequest request(int call) {
        return requests.get(call);
    }

    /** Completes call number {@code call} (0-based) with {@code route}, or "unknown here" when null. */
    void answer(int call, Route route) {
        answers.get(call).complete(Optional.ofNullable(route));
    }

    void fail(int call, Throwable error) {
        answers.get(call).completeExceptionally(error);
    }

    @Override
    public String name() {
        return "controlled";
    }
}
