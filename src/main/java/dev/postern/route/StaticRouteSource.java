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
        this(table, pools, null);
    }

    /** Keys normalized with {@code names} (as routes files are), so "alice" meets "alice@default.domain". */
    public StaticRouteSource(Map<String, String> table, Set<String> pools, LoginNames names) {
        Map<String, Route> parsed = new HashMap<>();
        table.forEach((user, target) -> parsed.put(names == null ? user : names.key(user), Route.parse(target, pools)));
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
