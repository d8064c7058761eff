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

    /** A chain's answer and the name of the source that gave it (null when none knew the user). */
    public record Answer(String source, Optional<Route> route) {
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        return answer(request).thenApply(Answer::route);
    }

    /** The answer with the source that gave it: for the admin API's dry-run lookup. */
    public CompletableFuture<Answer> answer(LookupRequest request) {
        return lookupFrom(0, request);
    }

    private CompletableFuture<Answer> lookupFrom(int index, LookupRequest request) {
        if (index >= sources.size()) {
            return CompletableFuture.completedFuture(new Answer(null, Optional.empty()));
        }
        RouteSource source = sources.get(index);
        CompletableFuture<Optional<Route>> answer;
        try {
            answer = source.lookup(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(new Answer(source.name(), found)) : lookupFrom(index + 1, request));
    }

    @Override
    public boolean authenticates() {
        return sources.stream().anyMatch(RouteSource::authenticates);
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
