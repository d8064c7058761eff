package dev.postern.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An nginx {@code auth_http} service for tests: a JDK {@link HttpServer} on 127.0.0.1 (ephemeral port) that answers
 * per user (the URL-decoded {@code Auth-User}): {@code Auth-Status: OK} with {@code Auth-Server}/{@code Auth-Port},
 * a refusal text with {@code Auth-Wait}, no answer at all (until {@link #close()}), or HTTP 404 for users it does not
 * know. It keeps the headers of the first 10,000 requests (names in lower case), for tests to check what Postern
 * sent; they may hold a password: never print them.
 */
public final class AuthHttpStub implements AutoCloseable {
    private static final int MAX_RECORDED = 10_000;
    /** How long a hanging request is held at most, so a forgotten stub cannot pin a thread for ever. */
    private static final Duration MAX_HANG = Duration.ofSeconds(30);

    private sealed interface Answer {
    }

    /** {@code authUser}/{@code authPass}, when not null, go back as Auth-User/Auth-Pass (an authenticating service). */
    private record Ok(String server, int port, String authUser, String authPass) implements Answer {
    }

    private record Refuse(String status, int waitSeconds) implements Answer {
    }

    private record Hang() implements Answer {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch released = new CountDownLatch(1);
    private final Duration delay;

    private AuthHttpStub(Duration delay, int threads) throws IOException {
        this.delay = delay;
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "auth-http-stub");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1024);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A stub that answers at once (16 handler threads). */
    public static AuthHttpStub start() {
        return start(Duration.ZERO, 16);
    }

    /** A stub that answers every request after {@code delay} (a slow service), with {@code threads} handlers. */
    public static AuthHttpStub start(Duration delay, int threads) {
        try {
            return new AuthHttpStub(delay, threads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the auth_http stub", e);
        }
    }

    /** {@code user} routes to {@code host:port}. */
    public AuthHttpStub route(String user, String host, int port) {
        answers.put(user, new Ok(host, port, null, null));
        return this;
    }

    /**
     * {@code user} routes to {@code host:port}, and the answer names what the backend gets instead: Auth-User
     * {@code authUser} and Auth-Pass {@code authPass} (either may be null: left out). Registers the password as a
     * secret.
     */
    public AuthHttpStub routeAs(String user, String host, int port, String authUser, String authPass) {
        answers.put(user, new Ok(host, port, authUser, authPass == null ? null : TestSecrets.register(authPass)));
        return this;
    }

    /** {@code user} is refused with {@code Auth-Status: status} and {@code Auth-Wait: waitSeconds}. */
    public AuthHttpStub refuse(String user, String status, int waitSeconds) {
        answers.put(user, new Refuse(status, waitSeconds));
        return this;
    }

    /** Requests for {@code user} get no answer until the stub is closed. */
    public AuthHttpStub hang(String user) {
        answers.put(user, new Hang());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>/auth} */
    public String url() {
        return "http://127.0.0.1:" + port() + "/auth";
    }

    /** Header maps (lower-case names, first value) of the recorded requests, in arrival order. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    /** The recorded requests for one user (by decoded Auth-User). */
    public List<Map<String, String>> requestsFor(String user) {
        return requests.stream().filter(r -> user.equals(decode(r.get("auth-user")))).toList();
    }

    /** Requests received, recorded or not. */
    public int requestCount() {
        return requestCount.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requestCount.incrementAndGet();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
            if (requests.size() < MAX_RECORDED) {
                requests.add(headers);
            }
            Answer answer = answers.get(decode(headers.getOrDefault("auth-user", "")));
            if (answer instanceof Hang) {
                released.await(MAX_HANG.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis()); // the simulated service time of a slow auth_http service
            }
            if (answer instanceof Ok ok) {
                exchange.getResponseHeaders().add("Auth-Status", "OK");
                exchange.getResponseHeaders().add("Auth-Server", ok.server());
                exchange.getResponseHeaders().add("Auth-Port", Integer.toString(ok.port()));
                if (ok.authUser() != null) {
                    exchange.getResponseHeaders().add("Auth-User", ok.authUser());
                }
                if (ok.authPass() != null) {
                    exchange.getResponseHeaders().add("Auth-Pass", ok.authPass());
                }
                exchange.sendResponseHeaders(200, -1);
            } else if (answer instanceof Refuse refuse) {
                exchange.getResponseHeaders().add("Auth-Status", refuse.status());
                exchange.getResponseHeaders().add("Auth-Wait", Integer.toString(refuse.waitSeconds()));
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(String urlEncoded) {
        return urlEncoded == null ? null : URLDecoder.decode(urlEncoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Stops listening and closes every connection; hanging requests are let go. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
