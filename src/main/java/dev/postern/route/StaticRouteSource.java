package dev.postern.route;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Routes from the {@code routes.static} map of the config: login name to pool or host:port. */
public final class StaticRouteSource implements RouteSource {
    private final Map<String, Route> routes;

    public StaticRouteSource(Map<String, String> table, Set<String> pools) {
        Map<String, Route> parsed = new HashMap<>();
        table.forEach((user, target) -> parsed.put(user, Route.parse(target, pools)));
        this.routes = Map.copyOf(parsed);
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        return CompletableFuture.completedFuture(Optional.ofNullable(routes.get(request.loginKey())));
    }

    @Override
    public String name() {
        return "static";
    }
}
