package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.metrics.MicrometerProxyMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.postern.config.HostPort;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * The route cache with time driven by the test (a manual Caffeine ticker) and maintenance on the calling thread,
 * in front of a source whose answers the test controls.
 */
class RouteCacheTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(30);
    private static final Duration REFRESH = Duration.ofMinutes(1);

    private static final Route MAIN = new Route.ToPool("main");
    private static final Route BACKEND = new Route.ToBackend(HostPort.parse("10.0.0.9:143"));

    private final ManualTicker ticker = new ManualTicker();
    private final ControlledRouteSource source = new ControlledRouteSource();

    /** Time that moves only when the test says so. */
    static final class ManualTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    private RouteCache cache(Duration ttl, Duration negativeTtl, Duration refresh) {
        return new RouteCache(source, new RouteCache.Settings(true, ttl, negativeTtl, refresh, 1000), ticker, Runnable::run);
    }

    private RouteCache cache() {
        return cache(TTL, NEGATIVE_TTL, REFRESH);
    }

    private static LookupRequest request(String key) {
        return new LookupRequest(key, null, null, 1);
    }

    /** The value of an already completed lookup (a lookup the test expects to be answered at once). */
    private static Optional<Route> now(CompletableFuture<Optional<Route>> lookup) {
        assertTrue(lookup.isDone(), "the lookup is not answered at once");
        return lookup.join();
    }

    private static Throwable failure(CompletableFuture<?> lookup) {
        assertTrue(lookup.isCompletedExceptionally(), "the lookup did not fail");
        try {
            lookup.join();
            throw new AssertionError("unreachable");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void aSecondLookupIsAHitThatDoesNotReachTheSource() {
        RouteCache cache = cache();
        CompletableFuture<Optional<Route>> first = cache.lookup(request("alice@example.org"));
        assertFalse(first.isDone(), "answered before the source did");
        source.answer(0, MAIN);
        assertEquals(Optional.of(MAIN), now(first));

        ticker.advance(Duration.ofSeconds(10));
        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));

        assertEquals(1, source.calls());
        assertEquals(1, cache.stats().hitCount());
        assertEquals(1, cache.stats().missCount());
    }

    @Test
    void differentUsersAreDifferentEntries() {
        RouteCache cache = cache();
        CompletableFuture<Optional<Route>> alice = cache.lookup(request("alice@example.org"));
        CompletableFuture<Optional<Route>> bob = cache.lookup(request("bob@example.org"));
        assertEquals(2, source.calls());
        assertEquals("alice@example.org", source.request(0).loginKey());
        assertEquals("bob@example.org", source.request(1).loginKey());
        source.answer(0, MAIN);
        source.answer(1, BACKEND);
        assertEquals(Optional.of(MAIN), now(alice));
        assertEquals(Optional.of(BACKEND), now(bob));
    }

    @Test
    void aRouteExpiresAfterItsTtl() {
        RouteCache cache = cache(TTL, NEGATIVE_TTL, TTL); // refresh == ttl: no background refresh
        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);

        ticker.advance(TTL.minusSeconds(1));
        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
        assertEquals(1, source.calls(), "asked again before the ttl ran out");

        ticker.advance(Duration.ofSeconds(2));
        CompletableFuture<Optional<Route>> afterTtl = cache.lookup(request("alice@example.org"));
        assertEquals(2, source.calls(), "an expired route was not loaded again");
        assertFalse(afterTtl.isDone(), "an expired route was served");
        source.answer(1, BACKEND);
        assertEquals(Optional.of(BACKEND), now(afterTtl));
    }

    @Test
    void afterTheRefreshIntervalTheStaleRouteIsServedWhileAFreshOneLoads() {
        RouteCache cache = cache();
        byte[] password = "Refr3shSecret".getBytes(StandardCharsets.UTF_8);
        dev.postern.testing.TestSecrets.register("Refr3shSecret");
        LookupRequest login = new LookupRequest("alice@example.org", password,
                new InetSocketAddress("127.0.0.1", 40000), 1);
        cache.lookup(login);
        assertSame(login, source.request(0), "the first load carries the caller's own request");
        source.answer(0, MAIN);

        ticker.advance(REFRESH.plusSeconds(1));
        CompletableFuture<Optional<Route>> stale = cache.lookup(login);
        assertEquals(Optional.of(MAIN), now(stale), "the caller waited for the refresh");
        assertEquals(2, source.calls(), "no refresh was started");
        LookupRequest refresh = source.request(1);
        assertEquals("alice@example.org", refresh.loginKey());
        assertNull(refresh.password(), "a background refresh must not carry a client's password");
        assertNull(refresh.client());

        // While the refresh is in flight: still the stale route, and no second refresh.
        assertEquals(Optional.of(MAIN), now(cache.lookup(login)));
        assertEquals(2, source.calls());

        source.answer(1, BACKEND);
        assertEquals(Optional.of(BACKEND), now(cache.lookup(login)));
        assertEquals(2, source.calls());
    }

    @Test
    void aSourceThatUsesThePasswordIsNeverRefreshedWithoutItTheEntryExpiresInstead() {
        source.needsPassword = true;
        RouteCache cache = cache();
        LookupRequest login = new LookupRequest("alice@example.org", "pw".getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 40000), 1);
        cache.lookup(login);
        source.answer(0, MAIN);

        ticker.advance(REFRESH.plusSeconds(1));
        assertEquals(Optional.of(MAIN), now(cache.lookup(login)));
        assertEquals(1, source.calls(), "a background refresh asked a password-checking source without a password");

        ticker.advance(TTL);
        CompletableFuture<Optional<Route>> afterTtl = cache.lookup(login);
        assertEquals(2, source.calls());
        assertSame(login, source.request(1), "the next login asks with its own password");
        source.answer(1, BACKEND);
        assertEquals(Optional.of(BACKEND), now(afterTtl));
    }

    /** Two logins of one user in flight at once must not share a verdict: the wrong password would ride along. */
    @Test
    void anAuthenticatingSourceIsAskedForEveryLoginAndNothingIsKeptOrShared() {
        source.needsPassword = true;
        source.authenticates = true;
        RouteCache cache = cache();
        LookupRequest right = new LookupRequest("alice", "right".getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 40000), 1);
        LookupRequest wrong = new LookupRequest("alice", "wrong".getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.2", 40001), 1);
        CompletableFuture<Optional<Route>> first = cache.lookup(right);
        CompletableFuture<Optional<Route>> second = cache.lookup(wrong);
        assertEquals(2, source.calls(), "the second login was not asked with its own password");
        assertSame(wrong, source.request(1));
        source.answer(0, new Route.ToPool("main", new Route.Verdict(null, null)));
        source.answer(1, new Route.Refused("Invalid login", Duration.ZERO));
        assertEquals(Optional.of(new Route.Refused("Invalid login", Duration.ZERO)), now(second));
        assertTrue(now(first).isPresent());
        cache.lookup(right);
        assertEquals(3, source.calls(), "a verdict was served from the cache");
    }

    @Test
    void aFailedRefreshKeepsServingTheCachedRoute() {
        RouteCache cache = cache();
        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);

        ticker.advance(REFRESH.plusSeconds(1));
        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
        assertEquals(2, source.calls());
        source.fail(1, new IllegalStateException("directory down"));

        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
        // The entry is still due for a refresh, so the next read tries again; the route stays until its ttl.
        assertEquals(3, source.calls());
        source.fail(2, new IllegalStateException("directory still down"));
        ticker.advance(TTL.minus(REFRESH).minusSeconds(10));
        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
    }

    @Test
    void aRefusalFromABackgroundRefreshKeepsTheCachedRoute() {
        RouteCache cache = cache();
        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);

        ticker.advance(REFRESH.plusSeconds(1));
        cache.lookup(request("alice@example.org"));
        assertEquals(2, source.calls());
        // A refresh sends no password; an auth_http service refusing it must not lock the user out.
        source.answer(1, new Route.Refused("Invalid login or password", Duration.ZERO));

        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
    }

    @Test
    void noSuchUserIsCachedForTheShorterNegativeTtl() {
        RouteCache cache = cache();
        cache.lookup(request("ghost@example.org"));
        source.answer(0, null);
        cache.lookup(request("alice@example.org"));
        source.answer(1, MAIN);

        ticker.advance(NEGATIVE_TTL.minusSeconds(1));
        assertEquals(Optional.empty(), now(cache.lookup(request("ghost@example.org"))));
        assertEquals(2, source.calls(), "'no such user' was not cached");

        ticker.advance(Duration.ofSeconds(2));
        CompletableFuture<Optional<Route>> ghost = cache.lookup(request("ghost@example.org"));
        assertEquals(3, source.calls(), "'no such user' outlived the negative ttl");
        assertEquals("ghost@example.org", source.request(2).loginKey());
        source.answer(2, BACKEND);
        assertEquals(Optional.of(BACKEND), now(ghost), "a user added meanwhile is found");

        // The found route, the same age, is still cached.
        assertEquals(Optional.of(MAIN), now(cache.lookup(request("alice@example.org"))));
        assertEquals(3, source.calls());
    }

    @Test
    void aRefusalIsNeverCached() {
        RouteCache cache = cache();
        Route.Refused refused = new Route.Refused("Invalid login or password", Duration.ofSeconds(2));
        CompletableFuture<Optional<Route>> first = cache.lookup(request("alice@example.org"));
        source.answer(0, refused);
        assertEquals(Optional.of(refused), now(first));

        CompletableFuture<Optional<Route>> second = cache.lookup(request("alice@example.org"));
        assertEquals(2, source.calls(), "a refusal was served from the cache");
        source.answer(1, MAIN);
        assertEquals(Optional.of(MAIN), now(second), "the next attempt (right password) gets its route");
    }

    @Test
    void aHundredConcurrentLookupsOfOneUserShareASingleLoad() throws Exception {
        RouteCache cache = cache();
        int threads = 100;
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(threads);
        AtomicReferenceArray<CompletableFuture<Optional<Route>>> lookups = new AtomicReferenceArray<>(threads);
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    lookups.set(n, cache.lookup(new LookupRequest("alice@example.org", null, null, 1)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    asked.countDown();
                }
            }, "login-" + i);
            t.start();
            started.add(t);
        }
        start.countDown();
        assertTrue(asked.await(10, TimeUnit.SECONDS), "the lookups did not all return (one blocked?)");

        assertEquals(1, source.calls(), "the source was asked more than once for one user");
        for (int i = 0; i < threads; i++) {
            assertFalse(lookups.get(i).isDone(), "lookup " + i + " answered before the source did");
        }
        source.answer(0, BACKEND);
        for (int i = 0; i < threads; i++) {
            assertEquals(Optional.of(BACKEND), lookups.get(i).get(5, TimeUnit.SECONDS), "lookup " + i);
        }
        for (Thread t : started) {
            t.join(5_000);
            assertFalse(t.isAlive(), t.getName() + " still running");
        }
        assertEquals(1, source.calls());
    }

    @Test
    void aFailedLoadReachesTheCallerAndIsNotCached() throws Exception {
        RouteCache cache = cache();
        CompletableFuture<Optional<Route>> first = cache.lookup(request("alice@example.org"));
        IllegalStateException down = new IllegalStateException("auth_http: connection refused");
        source.fail(0, down);
        // The caller sees the failure (and answers NO [UNAVAILABLE]), never a route.
        assertSame(down, failure(first));

        CompletableFuture<Optional<Route>> second = cache.lookup(request("alice@example.org"));
        assertEquals(2, source.calls(), "the failure was cached");
        assertFalse(second.isDone());
        source.answer(1, MAIN);
        assertEquals(Optional.of(MAIN), now(second));
    }

    @Test
    void aFailureAfterTheTtlIsAFailureNotAnOldRoute() {
        RouteCache cache = cache(TTL, NEGATIVE_TTL, TTL);
        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);
        ticker.advance(TTL.plusSeconds(1));

        CompletableFuture<Optional<Route>> late = cache.lookup(request("alice@example.org"));
        source.fail(1, new IllegalStateException("directory down"));
        assertInstanceOf(IllegalStateException.class, failure(late));
    }

    @Test
    void aDisabledCacheAsksTheSourceEveryTimeWithTheCallersRequest() throws ExecutionException, InterruptedException {
        RouteCache cache = new RouteCache(source, new RouteCache.Settings(false, TTL, NEGATIVE_TTL, REFRESH, 1000),
                ticker, Runnable::run);
        for (int i = 0; i < 3; i++) {
            LookupRequest login = new LookupRequest("alice@example.org", null, null, i + 1);
            CompletableFuture<Optional<Route>> lookup = cache.lookup(login);
            assertEquals(i + 1, source.calls());
            assertSame(login, source.request(i));
            source.answer(i, MAIN);
            assertEquals(Optional.of(MAIN), lookup.get());
        }
        assertEquals(0, cache.stats().requestCount());
    }

    @Test
    void theSizeBoundEvictsEntries() {
        RouteCache cache = new RouteCache(source, new RouteCache.Settings(true, TTL, NEGATIVE_TTL, REFRESH, 10),
                ticker, Runnable::run);
        for (int i = 0; i < 100; i++) {
            cache.lookup(request("user" + i + "@example.org"));
            source.answer(i, MAIN);
        }
        assertTrue(cache.stats().evictionCount() >= 90, "evictions: " + cache.stats().evictionCount());
    }

    @Test
    void invalidatingAUserAsksTheSourceAgain() {
        RouteCache cache = cache();
        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);
        cache.invalidate("alice@example.org");
        cache.lookup(request("alice@example.org"));
        assertEquals(2, source.calls());
        source.answer(1, MAIN);
        cache.invalidateAll();
        cache.lookup(request("alice@example.org"));
        assertEquals(3, source.calls());
    }

    /** The meters keep the names, tags, types and descriptions Micrometer's own Caffeine binder gave them. */
    @Test
    void itsMetersAreThoseOfMicrometersCaffeineBinder() {
        SimpleMeterRegistry expected = new SimpleMeterRegistry();
        // a loading cache, as RouteCache's is: Micrometer adds the cache.load meters for those only
        CaffeineCacheMetrics.monitor(expected, Caffeine.newBuilder().recordStats().buildAsync(key -> key),
                "postern.route.cache");
        SimpleMeterRegistry actual = new SimpleMeterRegistry();
        RouteCache cache = cache();
        cache.bindMetrics(new MicrometerProxyMetrics(actual));
        assertEquals(cacheMeters(expected), cacheMeters(actual));

        cache.lookup(request("alice@example.org"));
        source.answer(0, MAIN);
        cache.lookup(request("alice@example.org"));
        cache.lookup(request("bob@example.org"));
        source.fail(1, new IllegalStateException("directory down"));
        assertEquals(1.0, actual.get("cache.gets").tag("result", "hit").functionCounter().count());
        assertEquals(2.0, actual.get("cache.gets").tag("result", "miss").functionCounter().count());
        assertEquals(1.0, actual.get("cache.load").tag("result", "success").functionCounter().count());
        assertEquals(1.0, actual.get("cache.load").tag("result", "failure").functionCounter().count());
        assertEquals(1.0, actual.get("cache.size").gauge().value());
    }

    private static Set<String> cacheMeters(SimpleMeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId).filter(id -> id.getName().startsWith("cache."))
                .map(id -> id.getType() + " " + id.getName() + id.getTags() + " " + id.getBaseUnit() + " "
                        + id.getDescription())
                .collect(Collectors.toSet());
    }
}
