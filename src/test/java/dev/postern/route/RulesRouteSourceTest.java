package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import dev.postern.config.RouteSourceConfig.Rule;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Domain and regular-expression rules: first match wins, capture groups fill the target. */
class RulesRouteSourceTest {
    private static final Set<String> POOLS = Set.of("main", "eu", "us");

    private static Rule domain(String domain, String to) {
        return new Rule(domain, null, to);
    }

    private static Rule match(String regex, String to) {
        return new Rule(null, Pattern.compile(regex), to);
    }

    private static RulesRouteSource rules(Rule... rules) {
        return new RulesRouteSource(new RouteSourceConfig.Rules(List.of(rules)), POOLS);
    }

    private static CompletableFuture<Optional<Route>> lookup(RulesRouteSource source, String key) {
        CompletableFuture<Optional<Route>> answer = source.lookup(new LookupRequest(key, null, null, 1));
        assertTrue(answer.isDone(), "rules must answer at once");
        return answer;
    }

    private static Optional<Route> found(RulesRouteSource source, String key) {
        return lookup(source, key).join();
    }

    private static String failure(RulesRouteSource source, String key) {
        CompletableFuture<Optional<Route>> answer = lookup(source, key);
        assertTrue(answer.isCompletedExceptionally(), key + " did not fail: " + answer);
        try {
            answer.join();
            throw new AssertionError("unreachable");
        } catch (CompletionException e) {
            return e.getCause().getMessage();
        }
    }

    private static Route backend(String hostPort) {
        return new Route.ToBackend(HostPort.parse(hostPort));
    }

    @Test
    void aDomainRuleRoutesEveryUserOfTheDomain() {
        RulesRouteSource source = rules(domain("eu.example.org", "eu"), domain("example.net", "10.0.0.7:143"));
        assertEquals(Optional.of(new Route.ToPool("eu")), found(source, "alice@eu.example.org"));
        assertEquals(Optional.of(backend("10.0.0.7:143")), found(source, "bob@example.net"));
    }

    @Test
    void aDomainRuleComparesTheWholeDomainOnly() {
        RulesRouteSource source = rules(domain("example.org", "eu"));
        assertEquals(Optional.empty(), found(source, "alice@sub.example.org"));
        assertEquals(Optional.empty(), found(source, "alice@example.org.evil"));
        assertEquals(Optional.empty(), found(source, "example.org"));
        // The domain is what follows the last '@'.
        assertEquals(Optional.of(new Route.ToPool("eu")), found(source, "a@b@example.org"));
    }

    @Test
    void aDomainRuleIgnoresCaseAsDomainNamesDo() {
        // With login_names.lowercase off the key keeps the client's case; a domain still matches.
        RulesRouteSource source = rules(domain("example.org", "eu"));
        assertEquals(Optional.of(new Route.ToPool("eu")), found(source, "Alice@Example.ORG"));
    }

    @Test
    void captureGroupsFillTheTarget() {
        RulesRouteSource source = rules(match("([a-z]+)\\.(\\d+)@shard\\.example\\.org", "10.0.$2.1:1$2"),
                match("[^@]+@(mx\\d+)\\.example\\.com", "$1.internal:143"));
        assertEquals(Optional.of(backend("10.0.7.1:17")), found(source, "alice.7@shard.example.org"));
        assertEquals(Optional.of(backend("mx3.internal:143")), found(source, "bob@mx3.example.com"));
    }

    @Test
    void aRegularExpressionMustMatchTheWholeKey() {
        RulesRouteSource source = rules(match("admin", "main"));
        assertEquals(Optional.empty(), found(source, "admin@example.org"));
        assertEquals(Optional.of(new Route.ToPool("main")), found(source, "admin"));
    }

    @Test
    void groupsAreTakenFromTheWholeKeyMatchEvenWithLazyQuantifiers() {
        // matches() needs the lazy group to reach the end; expanding the target must use that same match.
        RulesRouteSource source = rules(match(".+@(.+?)", "$1:143"));
        assertEquals(Optional.of(backend("mx1.example.com:143")), found(source, "bob@mx1.example.com"));
    }

    @Test
    void aGroupCanNameAPool() {
        RulesRouteSource source = rules(match("[^@]+@(eu|us)\\.example\\.org", "$1"));
        assertEquals(Optional.of(new Route.ToPool("us")), found(source, "carol@us.example.org"));
    }

    @Test
    void theFirstMatchingRuleWins() {
        RulesRouteSource source = rules(
                match("vip-.*", "10.0.0.99:143"),
                domain("example.org", "eu"),
                match(".*@example\\.org", "us"));
        assertEquals(Optional.of(backend("10.0.0.99:143")), found(source, "vip-alice@example.org"));
        assertEquals(Optional.of(new Route.ToPool("eu")), found(source, "bob@example.org"));

        RulesRouteSource reversed = rules(match(".*@example\\.org", "us"), domain("example.org", "eu"));
        assertEquals(Optional.of(new Route.ToPool("us")), found(reversed, "bob@example.org"));
    }

    @Test
    void noMatchingRuleIsUnknownHere() {
        RulesRouteSource source = rules(domain("example.org", "eu"), match("admin-.*", "main"));
        assertEquals(Optional.empty(), found(source, "alice@example.net"));
    }

    @Test
    void aRuleThatMakesAnInvalidTargetFailsTheLookup() {
        RulesRouteSource source = rules(match("([^@]+)@bad\\.example", "$1"), match("x([0-9]+)@ports\\.example", "h:$1"));
        String problem = failure(source, "nopool@bad.example");
        assertTrue(problem.contains("'nopool'"), problem);
        assertTrue(failure(source, "x99999@ports.example").contains("h:99999"));
    }

    @Test
    void aRuleNamingAMissingGroupFailsTheLookup() {
        RulesRouteSource source = rules(match("([^@]+)@example\\.org", "$2:143"));
        assertTrue(failure(source, "alice@example.org").contains("$2"));
    }

    @Test
    void aFailingRuleDoesNotFallThroughToLaterRules() {
        // A broken rule is an operator error: a temporary failure, never a silent different backend.
        RulesRouteSource source = rules(match("([^@]+)@example\\.org", "$1"), domain("example.org", "main"));
        failure(source, "alice@example.org");
    }
}
