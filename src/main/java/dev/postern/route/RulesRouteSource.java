package dev.postern.route;

import dev.postern.config.RouteSourceConfig;
import dev.postern.config.RouteTargets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;

/**
 * Domain and pattern rules, first match wins: {@code domain} compares the part after '@'; {@code match} is a
 * regular expression over the whole login key whose groups fill {@code $1}... in the target.
 */
public final class RulesRouteSource implements RouteSource {
    private final List<RouteSourceConfig.Rule> rules;
    private final Set<String> pools;

    public RulesRouteSource(RouteSourceConfig.Rules config, Set<String> pools) {
        this.rules = config.rules();
        this.pools = Set.copyOf(pools);
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        String key = request.loginKey();
        int at = key.lastIndexOf('@');
        String domain = at < 0 ? "" : key.substring(at + 1);
        for (RouteSourceConfig.Rule rule : rules) {
            if (rule.domain() != null) {
                if (rule.domain().equalsIgnoreCase(domain)) {
                    return CompletableFuture.completedFuture(Optional.of(Route.parse(rule.target(), pools)));
                }
                continue;
            }
            Matcher m = rule.pattern().matcher(key);
            if (m.matches()) {
                String target;
                try {
                    // Expands $n from this whole-key match (replaceFirst would search again and could stop early).
                    StringBuilder expanded = new StringBuilder();
                    m.appendReplacement(expanded, rule.target());
                    target = expanded.toString();
                } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                    return CompletableFuture.failedFuture(new IllegalStateException(
                            "rule " + rule.pattern() + " -> " + rule.target() + ": " + e.getMessage()));
                }
                String problem = RouteTargets.check(target, pools);
                if (problem != null) {
                    return CompletableFuture.failedFuture(new IllegalStateException(
                            "rule " + rule.pattern() + " made an unusable target: " + problem));
                }
                return CompletableFuture.completedFuture(Optional.of(Route.parse(target, pools)));
            }
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public String name() {
        return "rules";
    }
}
