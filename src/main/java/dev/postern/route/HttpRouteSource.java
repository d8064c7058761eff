package dev.postern.route;

import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes from a service speaking nginx's mail {@code auth_http} protocol, so operators keep the one they have.
 * Request: GET with {@code Auth-Method: plain}, {@code Auth-User} (the normalised login key, never the name as
 * typed: the answer is cached under that key; URL-encoded, as nginx does), {@code Auth-Pass}
 * only when {@code send_password} is on, {@code Auth-Protocol: imap}, {@code Auth-Login-Attempt}, {@code Client-IP},
 * plus configured headers. Reply: {@code Auth-Status: OK} with {@code Auth-Server}/{@code Auth-Port} routes there;
 * any other {@code Auth-Status} text is a refusal shown to the client, after {@code Auth-Wait} seconds. HTTP 404
 * means "unknown here" (the next source or the default pool decides). Timeouts, other HTTP statuses and
 * malformed replies are temporary failures. Asynchronous (JDK HttpClient); at most {@code max_concurrent} in flight.
 */
public final class HttpRouteSource implements RouteSource {
    private final RouteSourceConfig.Http config;
    private final Set<String> pools;
    private final HttpClient client;
    private final ExecutorService executor;
    private final AtomicInteger inFlight = new AtomicInteger();

    public HttpRouteSource(RouteSourceConfig.Http config, Set<String> pools) {
        this.config = config;
        this.pools = Set.copyOf(pools);
        // A ForkJoinPool: the client hands it work from the calling event loop, and a ForkJoinPool takes that
        // without a lock that could park the loop (a ThreadPoolExecutor may).
        this.executor = new java.util.concurrent.ForkJoinPool(2, pool -> {
            var t = java.util.concurrent.ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("postern-auth-http-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, true);
        this.client = HttpClient.newBuilder().executor(executor).connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public boolean needsPassword() {
        return config.sendPassword();
    }

    @Override
    public boolean authenticates() {
        return config.authenticates();
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        if (config.sendPassword() && request.password() == null) {
            // A background refresh has no password; such a service would count the request as a failed login.
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "auth_http " + config.url() + ": send_password is on and there is no password to send"));
        }
        if (inFlight.incrementAndGet() > config.maxConcurrent()) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "auth_http: more than " + config.maxConcurrent() + " lookups in flight"));
        }
        CompletableFuture<Optional<Route>> answer;
        try {
            answer = client.sendAsync(request(request), HttpResponse.BodyHandlers.discarding()).thenApply(this::interpret);
        } catch (RuntimeException e) {
            // Building or sending failed before anything was in flight: the slot is given back below all the same.
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((route, error) -> {
            inFlight.decrementAndGet();
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                throw new java.util.concurrent.CompletionException(new IllegalStateException(
                        "auth_http " + config.url() + ": " + cause.getClass().getSimpleName()
                                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause));
            }
            return route;
        });
    }

    /** The nginx-style request for a lookup; throws what the JDK client throws for a header it refuses. */
    private HttpRequest request(LookupRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(config.url()).GET().timeout(config.timeout())
                .header("Auth-Method", request.method())
                .header("Auth-User", urlEncode(request.loginKey().getBytes(StandardCharsets.UTF_8)))
                .header("Auth-Protocol", "imap")
                .header("Auth-Login-Attempt", Integer.toString(request.attempt()))
                .header("Client-IP", request.client() == null ? "" : request.client().getAddress().getHostAddress());
        if (request.secure()) {
            builder.header("Auth-SSL", "on");
        }
        if (config.sendPassword()) {
            builder.header("Auth-Pass", urlEncode(request.password()));
        }
        config.headers().forEach(builder::header);
        return builder.build();
    }

    private Optional<Route> interpret(HttpResponse<Void> response) {
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP status " + response.statusCode());
        }
        String status = response.headers().firstValue("Auth-Status")
                .orElseThrow(() -> new IllegalStateException("reply without Auth-Status"));
        if (!status.equals("OK")) {
            long wait = response.headers().firstValue("Auth-Wait").map(HttpRouteSource::seconds).orElse(0L);
            return Optional.of(new Route.Refused(status, Duration.ofSeconds(wait)));
        }
        // An authenticating service vouches for the login; Auth-User/Auth-Pass replace what the backend gets.
        Route.Verdict verdict = !config.authenticates() ? null : new Route.Verdict(
                response.headers().firstValue("Auth-User").map(String::strip).filter(u -> !u.isEmpty()).orElse(null),
                response.headers().firstValue("Auth-Pass").map(p -> p.getBytes(StandardCharsets.UTF_8)).orElse(null));
        String server = response.headers().firstValue("Auth-Server").orElse(null);
        String port = response.headers().firstValue("Auth-Port").orElse(null);
        if (server != null && port != null) {
            return Optional.of(new Route.ToBackend(HostPort.parse(
                    (server.indexOf(':') >= 0 ? "[" + server + "]" : server) + ":" + port.strip()), verdict));
        }
        // Not nginx's protocol, but handy: Auth-Pool names a pool of ours.
        String pool = response.headers().firstValue("Auth-Pool").orElse(null);
        if (pool != null) {
            if (!pools.contains(pool)) {
                throw new IllegalStateException("Auth-Pool '" + pool + "' is not a configured pool");
            }
            return Optional.of(new Route.ToPool(pool, verdict));
        }
        throw new IllegalStateException("Auth-Status OK without Auth-Server and Auth-Port");
    }

    private static long seconds(String text) {
        try {
            return Math.max(0, Math.min(60, Long.parseLong(text.strip())));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Percent-encodes every octet outside unreserved characters (RFC 3986), as nginx escapes Auth-User/Pass. */
    static String urlEncode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || c == '@') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
