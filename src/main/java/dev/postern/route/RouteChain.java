package dev.postern.route;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Asks each source in order; the first that knows the user wins. A failing source fails the lookup. */
public final class RouteChain implements RouteSource {
    private final List<RouteSource> sources;

    public RouteChain(List<RouteSource> sources) {
        this.sources = List.copyOf(sources);
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(String loginKey) {
        return lookupFrom(0, loginKey);
    }

    private CompletableFuture<Optional<Route>> lookupFrom(int index, String loginKey) {
        if (index >= sources.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return sources.get(index).lookup(loginKey).thenCompose(found ->
                found.isPresent() ? CompletableFuture.completedFuture(found) : lookupFrom(index + 1, loginKey));
    }

    @Override
    public String name() {
        return "chain";
    }
}
