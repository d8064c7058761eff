package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.RouteSourceConfig;
import dev.postern.testing.AuthHttpStub;
import dev.postern.testing.TestSecrets;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An auth_http service with {@code send_password: true} counts a request without {@code Auth-Pass} as a failed
 * login (and may lock the account): neither the route cache's background refresh nor anything else may send one.
 */
class PasswordlessRefreshTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration REFRESH = Duration.ofMinutes(1);
    private static final String PASSWORD = TestSecrets.register("Refresh-Lock0ut");
    private static final HostPort KATES_BACKEND = new HostPort("192.0.2.41", 10143);

    private final RouteCacheTest.ManualTicker ticker = new RouteCacheTest.ManualTicker();
    private final AuthHttpStub stub = AuthHttpStub.start().route("kate@example.org", KATES_BACKEND.host(),
            KATES_BACKEND.port());
    private final HttpRouteSource source = new HttpRouteSource(RouteSourceConfig.Http.of(Map.of("url", stub.url(),
            "send_password", true)), Set.of("main"));

    @AfterEach
    void stop() {
        source.close();
        stub.close();
    }

    private long requestsWithoutPassword() {
        return stub.requests().stream().filter(r -> !r.containsKey("auth-pass")).count();
    }

    @Test
    void theCacheNeverRefreshesASendPasswordSourceInTheBackground() throws Exception {
        Router router = new Router(new RouteCache(source, new RouteCache.Settings(true, TTL, Duration.ofSeconds(30),
                REFRESH, 100), ticker, Runnable::run),
                Map.of("main", PoolConfig.of("main", Map.of("backends", List.of("192.0.2.1:143")))),
                "main", new BackendHealth(), LoginNames.DEFAULT);
        InetSocketAddress client = new InetSocketAddress("192.0.2.99", 50000);
        RouteDecision kates = new RouteDecision.Backends(List.of(KATES_BACKEND));
        for (int login = 1; login <= 3; login++) {
            assertEquals(kates, router.resolve("kate@example.org", client, 1,
                    () -> PASSWORD.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS));
            ticker.advance(REFRESH.plusSeconds(1)); // due for a refresh at the next read
        }
        ticker.advance(TTL);
        assertEquals(kates, router.resolve("kate@example.org", client, 1,
                () -> PASSWORD.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS));
        assertEquals(0, requestsWithoutPassword(), "requests without Auth-Pass reached the service");
        assertEquals(2, stub.requestCount(), "one request when first cached, one after the ttl");
    }

    @Test
    void aRequestWithoutAPasswordIsNeverSentToASendPasswordSource() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> source.lookup(LookupRequest.refresh("kate@example.org")).get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("send_password"), e.getCause().getMessage());
        assertEquals(0, stub.requestCount());
    }
}
