package dev.postern.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OAuth 2.0 token introspection endpoint (RFC 7662) for tests: a JDK {@link HttpServer} on 127.0.0.1 that knows
 * the tokens a test {@link #grant}s and answers {@code {"active":true,"username":...}} for them, and
 * {@code {"active":false}} for any other. The token is read from a form body ({@code token=...}, Dovecot's
 * {@code introspection_mode = post} and RFC 7662), an {@code Authorization: Bearer} header or a {@code ?token=}
 * query. When built with a client id and secret, a request without that HTTP Basic authorization gets 401.
 */
public final class IntrospectionStub implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Map<String, String> users = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final String expectedBasic;

    private IntrospectionStub(String clientId, String clientSecret) throws IOException {
        this.expectedBasic = clientId == null ? null : "Basic " + java.util.Base64.getEncoder().encodeToString(
                (clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/introspect", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    /** An endpoint that asks no client authentication (as Dovecot calls it). */
    public static IntrospectionStub start() throws IOException {
        return new IntrospectionStub(null, null);
    }

    /** An endpoint that wants HTTP Basic with this client id and secret (as RFC 7662 callers send it). */
    public static IntrospectionStub start(String clientId, String clientSecret) throws IOException {
        return new IntrospectionStub(clientId, clientSecret);
    }

    /** {@code token} is active and belongs to {@code user}. The token is registered as a secret. */
    public IntrospectionStub grant(String token, String user) {
        users.put(TestSecrets.register(token), user);
        return this;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/introspect";
    }

    public int requests() {
        return requests.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (expectedBasic != null && !expectedBasic.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String token = token(exchange);
            String user = token == null ? null : users.get(token);
            String json = user == null ? "{\"active\":false}"
                    : "{\"active\":true,\"username\":\"" + user + "\",\"token_type\":\"Bearer\"}";
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static String token(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String query = exchange.getRequestURI().getRawQuery();
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        for (String source : new String[] {form, query}) {
            if (source == null) {
                continue;
            }
            for (String pair : source.split("&")) {
                if (pair.startsWith("token=")) {
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
