package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import dev.postern.testing.TestSecrets;
import dev.postern.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nginx {@code auth_http} source against a real HTTP server on the loopback interface, started by the test:
 * one answering OK, one refusing with a text and Auth-Wait, one that never answers, one that is not there.
 */
class HttpRouteSourceTest {
    private static final String PASSWORD = TestSecrets.register("s3cret p\u00e4ss+word");
    /** For the service that never answers. */
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** For the others: generous, so a cold JVM's first request (class loading) cannot time out. */
    private static final Duration GENEROUS = Duration.ofSeconds(5);

    private HttpServer server;
    private ExecutorService serverThreads;
    private final CountDownLatch release = new CountDownLatch(1);
    private final BlockingQueue<Headers> seen = new LinkedBlockingQueue<>();
    private final List<HttpRouteSource> sources = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        context("/ok", 200, Map.of("Auth-Status", "OK", "Auth-Server", "127.0.0.1", "Auth-Port", "1143"));
        context("/ok-v6", 200, Map.of("Auth-Status", "OK", "Auth-Server", "::1", "Auth-Port", "143"));
        context("/pool", 200, Map.of("Auth-Status", "OK", "Auth-Pool", "main"));
        context("/no-such-pool", 200, Map.of("Auth-Status", "OK", "Auth-Pool", "gone"));
        context("/refuse", 200, Map.of("Auth-Status", "Invalid login or password", "Auth-Wait", "2"));
        context("/refuse-no-wait", 200, Map.of("Auth-Status", "Account disabled"));
        context("/no-status", 200, Map.of());
        context("/ok-no-server", 200, Map.of("Auth-Status", "OK"));
        context("/unknown", 404, Map.of());
        context("/vouch", 200, Map.of("Auth-Status", "OK", "Auth-Pool", "main", "Auth-User", "real-alice",
                "Auth-Pass", "Substituted-pass-9"));
        context("/vouch-master", 200, Map.of("Auth-Status", "OK", "Auth-Server", "127.0.0.1", "Auth-Port", "143"));
        context("/broken", 500, Map.of());
        context("/redirect", 302, Map.of("Location", "/ok"));
        server.createContext("/hang", exchange -> {
            seen.add(exchange.getRequestHeaders());
            try {
                release.await(30, TimeUnit.SECONDS);
                reply(exchange, 200, Map.of("Auth-Status", "OK", "Auth-Server", "127.0.0.1", "Auth-Port", "1143"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        release.countDown();
        sources.forEach(HttpRouteSource::close);
        server.stop(0);
        serverThreads.shutdownNow();
        assertTrue(serverThreads.awaitTermination(5, TimeUnit.SECONDS));
    }

    private void context(String path, int status, Map<String, String> headers) {
        server.createContext(path, exchange -> {
            seen.add(exchange.getRequestHeaders());
            reply(exchange, status, headers);
        });
    }

    private static void reply(HttpExchange exchange, int status, Map<String, String> headers) throws IOException {
        exchange.getRequestBody().readAllBytes();
        headers.forEach(exchange.getResponseHeaders()::add);
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** A source at {@code url} with {@code options} by key name, as in a {@code type: http} entry. */
    private HttpRouteSource source(URI url, Map<String, ?> options) {
        Map<String, Object> config = new HashMap<>(options);
        config.put("url", url);
        HttpRouteSource source = new HttpRouteSource(RouteSourceConfig.Http.of(config), Set.of("main"));
        sources.add(source);
        return source;
    }

    private HttpRouteSource source(String path) {
        return source(url(path), Map.of("timeout", GENEROUS, "max_concurrent", 16));
    }

    private static LookupRequest login(String name) {
        return new LookupRequest(name.toLowerCase(java.util.Locale.ROOT),
                PASSWORD.getBytes(StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.9", 50123), 1);
    }

    private static Optional<Route> answer(HttpRouteSource source, LookupRequest request) throws Exception {
        return source.lookup(request).get(5, TimeUnit.SECONDS);
    }

    /** The failure of a lookup that must fail, within a bound. */
    private static Throwable failure(CompletableFuture<Optional<Route>> lookup) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> lookup.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    private Headers request() throws InterruptedException {
        Headers h = seen.poll(5, TimeUnit.SECONDS);
        assertTrue(h != null, "the server saw no request");
        return h;
    }

    @Test
    void anOkWithServerAndPortRoutesThere() throws Exception {
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("127.0.0.1", 1143))),
                answer(source("/ok"), login("alice@example.org")));
    }

    @Test
    void anIpv6AuthServerBecomesABackendAddress() throws Exception {
        assertEquals(Optional.of(new Route.ToBackend(HostPort.parse("[::1]:143"))),
                answer(source("/ok-v6"), login("alice@example.org")));
    }

    @Test
    void anAuthPoolNamingOneOfOurPoolsRoutesToIt() throws Exception {
        assertEquals(Optional.of(new Route.ToPool("main")), answer(source("/pool"), login("alice@example.org")));
        Throwable e = failure(source("/no-such-pool").lookup(login("alice@example.org")));
        assertTrue(e.getMessage().contains("'gone'"), e.getMessage());
    }

    @Test
    void anyOtherAuthStatusIsARefusalWithItsTextAndWait() throws Exception {
        assertEquals(Optional.of(new Route.Refused("Invalid login or password", Duration.ofSeconds(2))),
                answer(source("/refuse"), login("alice@example.org")));
        assertEquals(Optional.of(new Route.Refused("Account disabled", Duration.ZERO)),
                answer(source("/refuse-no-wait"), login("alice@example.org")));
    }

    @Test
    void anAuthenticatingServicesOkCarriesItsVerdictWithTheSubstitutedCredentials() throws Exception {
        TestSecrets.register("Substituted-pass-9");
        HttpRouteSource source = source(url("/vouch"), Map.of("timeout", GENEROUS, "send_password", true,
                "authenticates", true));
        assertTrue(source.authenticates());
        Route.ToPool route = (Route.ToPool) answer(source, login("alice")).orElseThrow();
        assertEquals("main", route.pool());
        assertEquals("real-alice", route.verdict().user());
        assertEquals("Substituted-pass-9", new String(route.verdict().password(), StandardCharsets.UTF_8));
        assertFalse(route.verdict().toString().contains("Substituted"), route.verdict().toString());

        Route.ToBackend master = (Route.ToBackend) answer(source(url("/vouch-master"), Map.of("timeout", GENEROUS,
                "send_password", true, "authenticates", true)), login("alice")).orElseThrow();
        assertEquals(new Route.Verdict(null, null).user(), master.verdict().user(), "no Auth-User: the login name");
        assertNull(master.verdict().password(), "no Auth-Pass: the pool's master logs in as the user");
    }

    @Test
    void aRoutingOnlyServicesOkCarriesNoVerdict() throws Exception {
        Route.ToPool route = (Route.ToPool) answer(source("/vouch"), login("alice")).orElseThrow();
        assertNull(route.verdict(), "without authenticates: true an OK only routes");
    }

    @Test
    void theRequestSaysTheMechanismAndWhetherTheClientIsOnTls() throws Exception {
        String token = TestSecrets.register("bearer-token-for-auth-http-3");
        answer(source(url("/ok"), Map.of("timeout", GENEROUS, "send_password", true)), new LookupRequest("alice",
                token.getBytes(StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.9", 50123), 1, "xoauth2",
                true));
        Headers h = request();
        assertEquals("xoauth2", h.getFirst("Auth-Method"));
        assertEquals("on", h.getFirst("Auth-SSL"));
        assertEquals("imap", h.getFirst("Auth-Protocol"));
        assertEquals(token, h.getFirst("Auth-Pass"), "the token goes where the password would");
        answer(source("/ok"), login("alice"));
        Headers plain = request();
        assertEquals("plain", plain.getFirst("Auth-Method"));
        assertNull(plain.getFirst("Auth-SSL"), "not on TLS: no Auth-SSL");
        assertNull(plain.getFirst("Auth-Pass"), "no send_password: no password, no token");
    }

    @Test
    void notFoundMeansUnknownHere() throws Exception {
        assertEquals(Optional.empty(), answer(source("/unknown"), login("alice@example.org")));
    }

    @Test
    void aServerErrorIsATemporaryFailure() throws Exception {
        Throwable e = failure(source("/broken").lookup(login("alice@example.org")));
        assertTrue(e.getMessage().contains("500"), e.getMessage());
    }

    @Test
    void aRedirectIsNotFollowedAndFails() throws Exception {
        Throwable e = failure(source("/redirect").lookup(login("alice@example.org")));
        assertTrue(e.getMessage().contains("302"), e.getMessage());
    }

    @Test
    void aMalformedReplyIsATemporaryFailure() throws Exception {
        assertTrue(failure(source("/no-status").lookup(login("alice@example.org"))).getMessage().contains("Auth-Status"));
        assertTrue(failure(source("/ok-no-server").lookup(login("alice@example.org"))).getMessage().contains("Auth-Server"));
    }

    @Test
    void aServiceThatNeverAnswersFailsWithinTheTimeoutWithoutBlockingTheCaller() throws Exception {
        HttpRouteSource source = source(url("/hang"), Map.of("timeout", TIMEOUT, "max_concurrent", 16));
        long start = System.nanoTime();
        CompletableFuture<Optional<Route>> lookup = source.lookup(login("alice@example.org"));
        // Not done on return: the caller was not held until an answer or the timeout.
        assertFalse(lookup.isDone(), "answered although the service did not");

        Throwable e = failure(lookup);
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(e.getMessage().contains("Timeout"), e.getMessage());
        assertTrue(elapsed >= TIMEOUT.toMillis() - 50 && elapsed < 4_000, "failed after " + elapsed + " ms");
        request(); // it did reach the hanging service
    }

    @Test
    void aServiceThatIsDownFails() throws Exception {
        int port = Ports.closedPort();
        HttpRouteSource source = source(URI.create("http://127.0.0.1:" + port + "/auth"),
                Map.of("timeout", GENEROUS, "max_concurrent", 16));
        Throwable e = failure(source.lookup(login("alice@example.org")));
        assertTrue(e.getMessage().startsWith("auth_http http://127.0.0.1:" + port + "/auth: "), e.getMessage());
    }

    @Test
    void theRequestCarriesTheNginxHeadersWithTheUserUrlEncoded() throws Exception {
        HttpRouteSource source = source(url("/ok"),
                Map.of("timeout", GENEROUS, "headers", Map.of("X-Postern-Instance", "edge-1"), "max_concurrent", 16));
        LookupRequest request = new LookupRequest("j\u00f6rg m\u00fcller@example.org",
                PASSWORD.getBytes(StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.9", 50123), 3);
        answer(source, request);

        Headers h = request();
        // The login key (what the answer is cached under), UTF-8 percent-encoded as nginx does (space as %20).
        assertEquals("j%C3%B6rg%20m%C3%BCller@example.org", h.getFirst("Auth-User"));
        assertEquals("imap", h.getFirst("Auth-Protocol"));
        assertEquals("plain", h.getFirst("Auth-Method"));
        assertEquals("3", h.getFirst("Auth-Login-Attempt"));
        assertEquals("127.0.0.9", h.getFirst("Client-IP"));
        assertEquals("edge-1", h.getFirst("X-Postern-Instance"));
        assertNull(h.getFirst("Auth-Pass"), "a password was sent although send_password is off");
    }

    @Test
    void thePasswordIsSentOnlyWhenConfiguredAndThenUrlEncoded() throws Exception {
        String encoded = TestSecrets.register(HttpRouteSource.urlEncode(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        HttpRouteSource source = source(url("/ok"), Map.of("timeout", GENEROUS, "send_password", true, "max_concurrent", 16));
        answer(source, login("alice@example.org"));
        String sent = request().getFirst("Auth-Pass");
        // No assertEquals: a failure message must not show the password.
        assertTrue(encoded.equals(sent), "Auth-Pass is not the URL-encoded password");
        assertTrue(encoded.contains("%20") && encoded.contains("%C3%A4") && encoded.contains("%2B"), "encoding");

        // A lookup without a password (a background refresh) is never sent: the service would count it as a failure.
        assertTrue(failure(source.lookup(LookupRequest.refresh("alice@example.org"))).getMessage()
                .contains("send_password"));
        assertNull(seen.poll(), "a request without Auth-Pass reached the service");
    }

    @Test
    void aRequestThatCannotBeBuiltGivesBackItsSlot() throws Exception {
        // Host is refused by the JDK client (the loader reports it as a configuration error; this one bypasses it).
        HttpRouteSource source = new HttpRouteSource(new RouteSourceConfig.Http(url("/ok"), GENEROUS, false,
                Map.of("Host", "auth.example.org"), 1), Set.of("main"));
        sources.add(source);
        for (int i = 0; i < 3; i++) {
            String message = failure(source.lookup(login("alice@example.org"))).getMessage();
            assertFalse(message.contains("in flight"), "lookup " + i + " found its slot taken: " + message);
        }
        assertNull(seen.poll());
    }

    @Test
    void atMostMaxConcurrentLookupsAreInFlight() throws Exception {
        HttpRouteSource source = source(url("/hang"), Map.of("timeout", GENEROUS, "max_concurrent", 1));
        CompletableFuture<Optional<Route>> first = source.lookup(login("alice@example.org"));
        CompletableFuture<Optional<Route>> second = source.lookup(login("bob@example.org"));
        assertTrue(second.isCompletedExceptionally(), "a second lookup was let through");
        assertTrue(failure(second).getMessage().contains("in flight"));

        request();
        release.countDown();
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("127.0.0.1", 1143))), first.get(5, TimeUnit.SECONDS));
        // The slot is free again.
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("127.0.0.1", 1143))),
                answer(source, login("bob@example.org")));
    }
}
