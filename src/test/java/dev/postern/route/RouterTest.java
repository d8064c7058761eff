package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.BackendConfig;
import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.config.LoginNameConfig;
import dev.postern.config.PoolConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** From a source's answer and the backends' health to the ordered list of backends a login tries. */
class RouterTest {
    private static final HostPort A = HostPort.parse("10.0.0.1:143");
    private static final HostPort B = HostPort.parse("10.0.0.2:143");
    private static final HostPort C = HostPort.parse("10.0.0.3:143");
    private static final HostPort D = HostPort.parse("10.0.0.4:143");
    private static final HostPort E = HostPort.parse("10.0.0.5:143");
    private static final HostPort STATIC = HostPort.parse("192.0.2.10:10143");

    private static final PoolConfig MAIN = PoolConfig.of("main",
            Map.of("backends", List.of(A, B, Map.of("address", C, "weight", 2))));
    private static final PoolConfig OTHER = PoolConfig.of("other", Map.of("backends", List.of(D, E)));

    private final Map<String, Route> known = new HashMap<>();
    private final BackendHealth health = new BackendHealth();

    /** Answers from {@link #known}; unknown users are empty. */
    private final class MapSource implements RouteSource {
        @Override
        public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
            return CompletableFuture.completedFuture(Optional.ofNullable(known.get(request.loginKey())));
        }

        @Override
        public String name() {
            return "map";
        }
    }

    private Router router(String defaultPool) {
        for (PoolConfig pool : List.of(MAIN, OTHER)) {
            for (BackendConfig b : pool.backends()) {
                health.register(b.address(), HealthConfig.DEFAULTS, b.draining());
            }
        }
        RouteCache cache = new RouteCache(new MapSource(),
                new RouteCache.Settings(false, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100),
                System::nanoTime, Runnable::run);
        return new Router(cache, Map.of("main", MAIN, "other", OTHER), defaultPool, health, LoginNames.DEFAULT);
    }

    private static RouteDecision resolve(Router router, String key) throws Exception {
        return router.resolve(new LookupRequest(key, null, null, 1)).get(5, TimeUnit.SECONDS);
    }

    private static List<HostPort> order(String key) {
        return new Pool(MAIN).orderFor(key);
    }

    /** A user whose first backend in the main pool is {@code first}. */
    private static String userOn(HostPort first) {
        for (int i = 0; ; i++) {
            String user = "user" + i + "@example.org";
            if (order(user).get(0).equals(first)) {
                return user;
            }
        }
    }

    private void takeDown(HostPort backend) {
        for (int i = 0; i < HealthConfig.DEFAULTS.fall(); i++) {
            health.recordFailure(backend, "test");
        }
    }

    @Test
    void anUnknownUserGoesToTheDefaultPoolInItsOwnRendezvousOrder() throws Exception {
        Router router = router("main");
        assertEquals(new RouteDecision.Backends(order("nobody@example.org")), resolve(router, "nobody@example.org"));
    }

    @Test
    void anUnknownUserWithoutADefaultPoolHasNoRoute() throws Exception {
        assertEquals(new RouteDecision.NoRoute(), resolve(router(null), "nobody@example.org"));
    }

    @Test
    void aUserRoutedToAPoolGetsThatPoolsOrder() throws Exception {
        known.put("dora@example.org", new Route.ToPool("other"));
        RouteDecision decision = resolve(router("main"), "dora@example.org");
        assertEquals(new RouteDecision.Backends(new Pool(OTHER).orderFor("dora@example.org")), decision);
    }

    @Test
    void aUserRoutedToABackendGetsExactlyThatBackend() throws Exception {
        known.put("sam@example.org", new Route.ToBackend(STATIC));
        assertEquals(new RouteDecision.Backends(List.of(STATIC)), resolve(router("main"), "sam@example.org"));
    }

    @Test
    void aRouteToAPoolThatDoesNotExistIsReportedAsSuch() throws Exception {
        known.put("lost@example.org", new Route.ToPool("gone"));
        assertEquals(new RouteDecision.UnknownPool("gone"), resolve(router("main"), "lost@example.org"));
    }

    @Test
    void aRefusalPassesThroughWithItsTextAndDelay() throws Exception {
        known.put("eve@example.org", new Route.Refused("Account locked", Duration.ofSeconds(3)));
        assertEquals(new RouteDecision.Refused("Account locked", Duration.ofSeconds(3)),
                resolve(router("main"), "eve@example.org"));
    }

    @Test
    void aFailedLookupFailsTheDecisionInsteadOfFallingBackToTheDefaultPool() {
        RouteSource failing = new RouteSource() {
            @Override
            public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
                return CompletableFuture.failedFuture(new IllegalStateException("directory down"));
            }

            @Override
            public String name() {
                return "failing";
            }
        };
        RouteCache cache = new RouteCache(failing,
                new RouteCache.Settings(true, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100),
                System::nanoTime, Runnable::run);
        Router router = new Router(cache, Map.of("main", MAIN), "main", health, LoginNames.DEFAULT);
        CompletableFuture<RouteDecision> decision = router.resolve(new LookupRequest("a@example.org", null, null, 1));
        assertTrue(decision.isCompletedExceptionally(), "a source failure became a route: " + decision);
    }

    @Test
    void aDownBackendIsSkippedForTheNextInTheUsersOwnOrderAndTakenBackWhenUpAgain() throws Exception {
        Router router = router("main");
        for (HostPort first : List.of(A, B, C)) {
            String user = userOn(first);
            List<HostPort> full = order(user);
            List<HostPort> withoutFirst = new ArrayList<>(full.subList(1, full.size()));

            health.recordFailure(first, "one failure is not enough");
            assertEquals(new RouteDecision.Backends(full), resolve(router, user), "down after one failure (fall 2)");

            health.recordFailure(first, "second failure");
            assertEquals(new RouteDecision.Backends(withoutFirst), resolve(router, user));

            health.recordSuccess(first);
            assertEquals(new RouteDecision.Backends(withoutFirst), resolve(router, user), "up after one success (rise 2)");

            health.recordSuccess(first);
            assertEquals(new RouteDecision.Backends(full), resolve(router, user), user + " did not return to " + first);
        }
    }

    @Test
    void onlyTheUsersOfADownBackendMove() throws Exception {
        Router router = router("main");
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            users.add("user" + i + "@example.org");
        }
        takeDown(C);
        for (String user : users) {
            List<HostPort> full = order(user);
            HostPort now = ((RouteDecision.Backends) resolve(router, user)).order().get(0);
            if (full.get(0).equals(C)) {
                assertEquals(full.get(1), now, user);
            } else {
                assertEquals(full.get(0), now, user + " moved although its backend is up");
            }
        }
    }

    @Test
    void aDrainingBackendTakesNoNewLogins() throws Exception {
        Router router = router("main");
        String user = userOn(A);
        assertTrue(health.setDraining(A, true));
        List<HostPort> decision = ((RouteDecision.Backends) resolve(router, user)).order();
        assertEquals(order(user).subList(1, 3), decision);

        health.setDraining(A, false);
        assertEquals(order(user), ((RouteDecision.Backends) resolve(router, user)).order());
    }

    @Test
    void aBackendConfiguredAsDrainingIsNeverOffered() throws Exception {
        PoolConfig drained = PoolConfig.of("main",
                Map.of("backends", List.of(Map.of("address", A, "draining", true), B)));
        health.register(A, HealthConfig.DEFAULTS, true);
        health.register(B, HealthConfig.DEFAULTS, false);
        Router router = new Router(new RouteCache(new MapSource(),
                new RouteCache.Settings(false, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100),
                System::nanoTime, Runnable::run), Map.of("main", drained), "main", health, LoginNames.DEFAULT);
        for (int i = 0; i < 50; i++) {
            assertEquals(List.of(B), ((RouteDecision.Backends) resolve(router, "user" + i + "@example.org")).order());
        }
    }

    @Test
    void whenEveryBackendIsDownTheFullOrderIsTried() throws Exception {
        Router router = router("main");
        takeDown(A);
        takeDown(B);
        takeDown(C);
        String user = "alice@example.org";
        assertEquals(new RouteDecision.Backends(order(user)), resolve(router, user));
    }

    @Test
    void whenEveryBackendIsDownOrDrainingTheDrainingOnesAreStillLeftOut() throws Exception {
        Router router = router("main");
        takeDown(A);
        takeDown(B);
        takeDown(C);
        health.setDraining(B, true);
        String user = "alice@example.org";
        List<HostPort> expected = new ArrayList<>(order(user));
        expected.remove(B);
        assertEquals(new RouteDecision.Backends(expected), resolve(router, user));
    }

    @Test
    void whenEveryBackendDrainsOrIsDownAndDrainingThereIsNoBackendNotAnEmptyList() throws Exception {
        Router router = router("main");
        health.setDraining(A, true);
        health.setDraining(B, true);
        health.setDraining(C, true);
        assertEquals(new RouteDecision.NoBackend("main"), resolve(router, "alice@example.org"));
        takeDown(A);
        takeDown(B);
        assertEquals(new RouteDecision.NoBackend("main"), resolve(router, "alice@example.org"));
    }

    @Test
    void aDownBackendComesBackAfterRiseSuccessesNotBefore() {
        BackendHealth h = new BackendHealth();
        HealthConfig config = HealthConfig.of(Map.of("interval", "1s", "timeout", "1s", "rise", 3, "fall", 2));
        h.register(A, config, false);
        h.recordFailure(A, "x");
        h.recordSuccess(A); // a success in between resets the failure count
        h.recordFailure(A, "x");
        assertTrue(h.isUp(A), "two failures that were not in a row took it down");
        h.recordFailure(A, "x");
        assertTrue(!h.isUp(A) && !h.isUsable(A));
        h.recordSuccess(A);
        h.recordSuccess(A);
        h.recordFailure(A, "x"); // a failure in between resets the success count
        h.recordSuccess(A);
        h.recordSuccess(A);
        assertTrue(!h.isUp(A), "up before three successes in a row");
        h.recordSuccess(A);
        assertTrue(h.isUp(A) && h.isUsable(A));
    }

    /** A source that records what it is asked and whether it wants the password. */
    private static final class AskedSource implements RouteSource {
        final boolean needsPassword;
        LookupRequest asked;
        byte[] passwordSeen;

        AskedSource(boolean needsPassword) {
            this.needsPassword = needsPassword;
        }

        @Override
        public boolean needsPassword() {
            return needsPassword;
        }

        @Override
        public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
            asked = request;
            passwordSeen = request.password() == null ? null : request.password().clone();
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public String name() {
            return "asked";
        }
    }

    private Router routerOver(AskedSource source, LoginNames names) {
        RouteCache cache = new RouteCache(source,
                new RouteCache.Settings(true, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100),
                System::nanoTime, Runnable::run);
        return new Router(cache, Map.of("main", MAIN), "main", health, names);
    }

    @Test
    void aLoginIsLookedUpByItsKeyClientAndAttemptButNoPasswordUnlessASourceWantsIt() throws Exception {
        AskedSource source = new AskedSource(false);
        InetSocketAddress client = new InetSocketAddress("192.0.2.7", 50123);
        RouteDecision decision = routerOver(source, LoginNames.DEFAULT)
                .resolve(" Alice@Example.org", client, 2, () -> {
                    throw new AssertionError("the password was fetched although no source uses it");
                }).get(5, TimeUnit.SECONDS);
        assertEquals(new RouteDecision.Backends(order("alice@example.org")), decision);
        assertEquals("alice@example.org", source.asked.loginKey());
        assertEquals(client, source.asked.client());
        assertEquals(2, source.asked.attempt());
        assertNull(source.asked.password());
    }

    @Test
    void aSourceThatWantsThePasswordGetsItAndItIsWipedAfterTheLookup() throws Exception {
        AskedSource source = new AskedSource(true);
        byte[] password = "pw-for-source".getBytes(StandardCharsets.UTF_8);
        routerOver(source, LoginNames.DEFAULT).resolve("alice@example.org", null, 1, password::clone)
                .get(5, TimeUnit.SECONDS);
        assertEquals("pw-for-source", new String(source.passwordSeen, StandardCharsets.UTF_8));
        assertTrue(Arrays.equals(new byte[password.length], source.asked.password()),
                "the request's copy of the password was not wiped");
    }

    @Test
    void theBackendGetsTheTypedNameOrTheKeyAsConfigured() {
        AskedSource source = new AskedSource(false);
        assertEquals("Alice@Example.org", routerOver(source, LoginNames.DEFAULT).nameForBackend("Alice@Example.org"));
        LoginNames normalizing = new LoginNames(new LoginNameConfig(true, null, List.of(), true));
        assertEquals("alice@example.org", routerOver(source, normalizing).nameForBackend(" Alice@Example.org"));
    }
}
