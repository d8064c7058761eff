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
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        return lookupFrom(0, request);
    }

    private CompletableFuture<Optional<Route>> lookupFrom(int index, LookupRequest request) {
        if (index >= sources.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        RouteSource source = sources.get(index);
        CompletableFuture<Optional<Route>> answer;
        try {
            answer = source.lookup(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.thenCompose(found ->
                found.isPresent() ? CompletableFuture.completedFuture(found) : lookupFrom(index + 1, request));
    }

    @Override
    public boolean needsPassword() {
        return sources.stream().anyMatch(RouteSource::needsPassword);
    }

    @Override
    public String name() {
        return "chain";
    }

    /** Re-reads every file-backed source now (SIGHUP). */
    public void reloadFiles() {
        for (RouteSource s : sources) {
            if (s instanceof FileRouteSource file) {
                file.reloadIfChanged();
            }
        }
    }

    @Override
    public void onChange(Runnable listener) {
        sources.forEach(s -> s.onChange(listener));
    }

    @Override
    public void close() {
        sources.forEach(RouteSource::close);
    }
}
