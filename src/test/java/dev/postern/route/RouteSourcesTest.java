package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.RoutesConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain of sources: the static map first, then {@code routes.sources} in order; the first answer wins. */
class RouteSourcesTest {
    private static final Set<String> POOLS = Set.of("main", "archive");

    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() throws InterruptedException {
        scheduler.shutdownNow();
        assertTrue(scheduler.awaitTermination(5, TimeUnit.SECONDS));
    }

    private static Optional<Route> lookup(RouteSource source, String key) {
        return source.lookup(new LookupRequest(key, null, null, 1)).join();
    }

    @Test
    void theFirstSourceThatKnowsTheUserWins() throws Exception {
        Path file = Files.writeString(dir.resolve("routes.csv"), "alice@example.org,archive\nbob@example.org,archive\n");
        RoutesConfig config = RoutesConfig.of(POOLS, Map.of(
                "static", Map.of("alice@example.org", "10.0.0.1:143"),
                "sources", List.of(Map.of("type", "file", "path", file, "check_interval", "60s"),
                        Map.of("type", "rules", "rules", List.of(Map.of("domain", "example.org", "to", "main"))))));
        try (RouteChain chain = RouteSources.build(config, POOLS, LoginNames.DEFAULT, scheduler)) {
            assertEquals(Optional.of(new Route.ToBackend(HostPort.parse("10.0.0.1:143"))), lookup(chain, "alice@example.org"));
            assertEquals(Optional.of(new Route.ToPool("archive")), lookup(chain, "bob@example.org"));
            assertEquals(Optional.of(new Route.ToPool("main")), lookup(chain, "carol@example.org"));
            assertEquals(Optional.empty(), lookup(chain, "dave@example.net"));
        }
    }

    @Test
    void staticKeysAreNormalizedLikeLoginNames() throws Exception {
        // An operator with default_domain example.org writes "boss", as users type it; the lookup key is
        // "boss@example.org". Routes files are normalized the same way.
        RoutesConfig config = RoutesConfig.of(POOLS, Map.of(
                "static", Map.of("boss", "archive", "ops@old.example", "10.0.0.9:143"),
                "login_names", Map.of("default_domain", "example.org", "strip_domains", List.of("old.example"))));
        try (RouteChain chain = RouteSources.build(config, POOLS, new LoginNames(config.loginNames()), scheduler)) {
            assertEquals(Optional.of(new Route.ToPool("archive")), lookup(chain, "boss@example.org"));
            assertEquals(Optional.of(new Route.ToBackend(HostPort.parse("10.0.0.9:143"))), lookup(chain, "ops@example.org"));
        }
    }

    @Test
    void aMissingRoutesFileStopsTheBuildNamingTheSource() {
        RoutesConfig config = RoutesConfig.of(POOLS, Map.of("sources", List.of(
                Map.of("type", "rules", "rules", List.of(Map.of("domain", "example.org", "to", "main"))),
                Map.of("type", "file", "path", dir.resolve("absent.csv"), "check_interval", "1s"))));
        RouteSources.SourceException e = assertThrows(RouteSources.SourceException.class,
                () -> RouteSources.build(config, POOLS, LoginNames.DEFAULT, scheduler));
        assertTrue(e.getMessage().startsWith("routes.sources[1]: "), e.getMessage());
    }

    /** A source with a fixed answer that counts its calls. */
    private static final class Fixed implements RouteSource {
        final AtomicInteger calls = new AtomicInteger();
        final CompletableFuture<Optional<Route>> answer;

        Fixed(CompletableFuture<Optional<Route>> answer) {
            this.answer = answer;
        }

        @Override
        public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
            calls.incrementAndGet();
            return answer;
        }

        @Override
        public String name() {
            return "fixed";
        }
    }

    @Test
    void aFailingSourceFailsTheLookupInsteadOfFallingThrough() {
        IllegalStateException down = new IllegalStateException("directory down");
        Fixed empty = new Fixed(CompletableFuture.completedFuture(Optional.empty()));
        Fixed failing = new Fixed(CompletableFuture.failedFuture(down));
        Fixed later = new Fixed(CompletableFuture.completedFuture(Optional.of(new Route.ToPool("main"))));
        RouteChain chain = new RouteChain(List.of(empty, failing, later));

        CompletableFuture<Optional<Route>> answer = chain.lookup(new LookupRequest("a@example.org", null, null, 1));
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        assertSame(down, e.getCause());
        assertEquals(1, empty.calls.get());
        assertEquals(0, later.calls.get(), "a later source answered for a failed one: possibly the wrong backend");
    }

    @Test
    void aSourceThatThrowsBecomesAFailedLookup() {
        RouteSource throwing = new RouteSource() {
            @Override
            public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
                throw new IllegalStateException("bug");
            }

            @Override
            public String name() {
                return "throwing";
            }
        };
        CompletableFuture<Optional<Route>> answer = new RouteChain(List.of(throwing))
                .lookup(new LookupRequest("a@example.org", null, null, 1));
        assertTrue(answer.isCompletedExceptionally());
    }

    @Test
    void aRefusalIsAnAnswerAndStopsTheChain() {
        Route.Refused refused = new Route.Refused("Account locked", Duration.ZERO);
        Fixed first = new Fixed(CompletableFuture.completedFuture(Optional.of(refused)));
        Fixed second = new Fixed(CompletableFuture.completedFuture(Optional.of(new Route.ToPool("main"))));
        assertEquals(Optional.of(refused), lookup(new RouteChain(List.of(first, second)), "a@example.org"));
        assertEquals(0, second.calls.get());
    }

    @Test
    void aRulePatternSourceInTheChainGetsTheNormalizedKey() throws Exception {
        RoutesConfig config = RoutesConfig.of(POOLS, Map.of("sources", List.of(Map.of("type", "rules",
                "rules", List.of(Map.of("match", "[^@]+@(main|archive)\\.example\\.org", "to", "$1"))))));
        try (RouteChain chain = RouteSources.build(config, POOLS, LoginNames.DEFAULT, scheduler)) {
            assertEquals(Optional.of(new Route.ToPool("archive")), lookup(chain, "x@archive.example.org"));
        }
    }
}
