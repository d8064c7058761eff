package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.RouteSourceConfig;
import dev.postern.testing.AuthHttpStub;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a route source is asked is exactly what the cache keeps the answer under: an auth_http service that knows
 * only {@code kate@example.org}, behind the real cache and router. A login typed differently (a trailing space,
 * upper case, a Kelvin sign that lower-cases to 'k') must neither cache another answer for Kate nor get one.
 */
class RouteCachePoisoningTest {
    private static final HostPort KATES_BACKEND = new HostPort("192.0.2.41", 10143);
    private static final PoolConfig MAIN = PoolConfig.of("main", Map.of("backends", List.of("192.0.2.1:143")));
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.99", 50000);

    private final AuthHttpStub stub = AuthHttpStub.start().route("kate@example.org", KATES_BACKEND.host(),
            KATES_BACKEND.port());
    private final HttpRouteSource source = new HttpRouteSource(RouteSourceConfig.Http.of(Map.of("url", stub.url(),
            "send_password", false)), Set.of("main"));
    private final Router router = new Router(new RouteCache(source,
            new RouteCache.Settings(true, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1), 100),
            System::nanoTime, Runnable::run), Map.of("main", MAIN), "main", new BackendHealth(), LoginNames.DEFAULT);

    @AfterEach
    void stop() {
        source.close();
        stub.close();
    }

    private RouteDecision login(String typed) throws Exception {
        return router.resolve(typed, CLIENT, 1, () -> new byte[0]).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLoginTypedAnotherWayNeitherPoisonsNorMissesTheRealUsersRoute() throws Exception {
        RouteDecision kates = new RouteDecision.Backends(List.of(KATES_BACKEND));
        for (String typed : List.of("kate@example.org ", "KATE@example.org", "\u212Aate@example.org")) {
            router.cache().invalidateAll();
            assertEquals(kates, login(typed), "'" + typed + "' is Kate's key and gets Kate's answer");
            assertEquals(kates, login("kate@example.org"), "after a login as '" + typed + "'");
        }
        // The service was only ever asked for the key the answers are cached under.
        stub.requests().forEach(r -> assertEquals("kate@example.org", r.get("auth-user")));
    }
}
