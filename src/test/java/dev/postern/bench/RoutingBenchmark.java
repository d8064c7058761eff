package dev.postern.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.config.PoolConfig;
import dev.postern.route.BackendHealth;
import dev.postern.route.LoginNames;
import dev.postern.route.LookupRequest;
import dev.postern.route.Route;
import dev.postern.route.RouteCache;
import dev.postern.route.RouteSource;
import dev.postern.route.Router;
import dev.postern.testing.AuthHttpStub;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The routing benchmark of issue 3: a runnable tool, not a test. Prints
 * <ol>
 *   <li>route lookups per second from a warm {@link RouteCache} (100,000 users, 1/2/4 threads), and full
 *       {@link Router} resolutions (cache + weighted rendezvous over a 3-backend pool + health filter);</li>
 *   <li>logins per second through an in-JVM Postern (plain listener, so TLS cost does not hide routing cost) to a
 *       real Dovecot, routed by an nginx auth_http service that answers after 20 ms, with the route cache on and
 *       off: {@code clients} threads doing connect, LOGIN, LOGOUT in a loop; median and p99 LOGIN latency. The same
 *       loop straight against Dovecot comes first, as the baseline of what the backend itself sustains.</li>
 * </ol>
 * Run with {@code deploy/bench/routing.sh [login-seconds] [clients]} (defaults 15 s per mode, 16 clients). Needs
 * root and Dovecot, like the integration tests. Everything stays on 127.0.0.1 and stops by itself.
 */
public final class RoutingBenchmark {
    private static final int CACHE_USERS = 100_000;
    private static final Duration CACHE_WARMUP = Duration.ofSeconds(2);
    private static final Duration CACHE_MEASURE = Duration.ofSeconds(4);
    private static final int LOGIN_USERS = 200;
    private static final Duration LOGIN_WARMUP = Duration.ofSeconds(3);
    private static final Duration AUTH_HTTP_DELAY = Duration.ofMillis(20);
    private static final String PASSWORD = "bench-pass-1";

    private RoutingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Duration loginDuration = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 15);
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        System.out.printf("Postern routing benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        cacheLookups();
        logins(loginDuration, clients);
    }

    // ---- 1. warm cache ---------------------------------------------------------------------------------------

    private static void cacheLookups() {
        RouteSource source = new RouteSource() {
            @Override
            public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
                return CompletableFuture.completedFuture(Optional.of(new Route.ToPool("main")));
            }

            @Override
            public String name() {
                return "synthetic";
            }
        };
        RouteCache cache = new RouteCache(source, new RouteCache.Settings(true, Duration.ofHours(1),
                Duration.ofMinutes(1), Duration.ofMinutes(30), 2L * CACHE_USERS), Ticker.systemTicker(),
                ForkJoinPool.commonPool());
        // addresses only hashed, never connected to
        PoolConfig pool = PoolConfig.of("main", Map.of("backends",
                List.of("127.0.0.1:10143", "127.0.0.1:11143", Map.of("address", "127.0.0.1:12143", "weight", 2))));
        BackendHealth health = new BackendHealth();
        pool.backends().forEach(b -> health.register(b.address(), pool.health(), false));
        Router router = new Router(cache, Map.of("main", pool), null, health, LoginNames.DEFAULT);

        LookupRequest[] requests = new LookupRequest[CACHE_USERS];
        InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);
        for (int i = 0; i < CACHE_USERS; i++) {
            String user = "user" + i + "@example.org";
            requests[i] = new LookupRequest(user, null, client, 1);
            cache.lookup(requests[i]).join();
        }
        System.out.printf("%n1. Route lookups from a warm cache (%,d users cached; %d s per figure after %d s warm-up)%n",
                CACHE_USERS, CACHE_MEASURE.toSeconds(), CACHE_WARMUP.toSeconds());
        for (int threads : new int[] {1, 2, 4}) {
            double perSecond = run(threads, requests, r -> cache.lookup(r).join().isPresent() ? 1 : 0);
            System.out.printf("   RouteCache.lookup, %d thread(s): %,14.0f lookups/s%n", threads, perSecond);
        }
        for (int threads : new int[] {1, 2, 4}) {
            double perSecond = run(threads, requests, r -> router.resolve(r).join().hashCode());
            System.out.printf("   Router.resolve (cache + HRW over 3 backends + health), %d thread(s): %,14.0f /s%n",
                    threads, perSecond);
        }
        System.out.printf("   cache stats: %s%n", cache.stats());
    }

    private static double run(int threads, LookupRequest[] requests, ToIntFunction<LookupRequest> op) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            long start = System.nanoTime();
            long warmEnd = start + CACHE_WARMUP.toNanos();
            long end = warmEnd + CACHE_MEASURE.toNanos();
            for (int t = 0; t < threads; t++) {
                int offset = t * (requests.length / threads);
                results.add(pool.submit(() -> {
                    long count = 0;
                    long sink = 0;
                    long measuredFrom = 0;
                    int i = offset;
                    while (true) {
                        for (int k = 0; k < 1024; k++) {
                            sink += op.applyAsInt(requests[i]);
                            if (++i == requests.length) {
                                i = 0;
                            }
                        }
                        long now = System.nanoTime();
                        if (now >= end) {
                            return new long[] {count, now - measuredFrom, sink};
                        }
                        if (now >= warmEnd) {
                            if (measuredFrom == 0) {
                                measuredFrom = now;
                            } else {
                                count += 1024;
                            }
                        }
                    }
                }));
            }
            double total = 0;
            for (Future<long[]> f : results) {
                long[] r = f.get();
                total += r[0] / (r[1] / 1e9);
            }
            return total;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 2. logins through Postern ---------------------------------------------------------------------------

    private static void logins(Duration duration, int clients) throws Exception {
        DovecotServer.Builder builder = DovecotServer.builder().capabilitySuffix("BENCH")
                .extraConfig("service imap {\n  process_limit = 1000\n}\nservice imap-login {\n  process_min_avail = 4\n}");
        for (int i = 0; i < LOGIN_USERS; i++) {
            builder.user("bench" + i, PASSWORD);
        }
        System.out.printf("%n2. Logins through Postern (plain listener) to one Dovecot, routed by auth_http answering "
                + "after %d ms; %d clients, %d s per mode after %d s warm-up, %d users%n",
                AUTH_HTTP_DELAY.toMillis(), clients, duration.toSeconds(), LOGIN_WARMUP.toSeconds(), LOGIN_USERS);
        try (DovecotServer dovecot = builder.start();
             AuthHttpStub http = AuthHttpStub.start(AUTH_HTTP_DELAY, 256)) {
            for (int i = 0; i < LOGIN_USERS; i++) {
                http.route("bench" + i, dovecot.host(), dovecot.port());
            }
            // the baseline: what Dovecot alone sustains with this client loop (it also creates every maildir, so
            // neither Postern run pays for that)
            LoginRun direct = loginLoad(dovecot.port(), clients, duration);
            System.out.printf("   direct   : %,8.1f logins/s  (%,d ok, %d failed; LOGIN latency median %.1f ms, "
                            + "p99 %.1f ms; no Postern)%n", direct.perSecond(), direct.ok(), direct.failed(),
                    direct.percentileMillis(50), direct.percentileMillis(99));
            for (boolean cacheOn : new boolean[] {false, true}) {
                int before = http.requestCount();
                try (PosternHarness postern = PosternHarness.startWithYaml("""
                        routes:
                          sources:
                            - {type: http, url: "%s", timeout: 5s, max_concurrent: 4096}
                          cache: {enabled: %s, ttl: 10m, refresh: 5m}
                        """.formatted(http.url(), cacheOn))) {
                    LoginRun run = loginLoad(postern.plainPort(), clients, duration);
                    System.out.printf("   cache %-3s: %,8.1f logins/s  (%,d ok, %d failed; LOGIN latency median %.1f ms, "
                                    + "p99 %.1f ms; auth_http requests %,d)%n", cacheOn ? "on" : "off", run.perSecond(),
                            run.ok(), run.failed(), run.percentileMillis(50), run.percentileMillis(99),
                            http.requestCount() - before);
                }
            }
        }
    }

    private record LoginRun(long ok, long failed, double seconds, long[] latenciesNanos) {
        double perSecond() {
            return ok / seconds;
        }

        double percentileMillis(int p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, index)] / 1e6;
        }
    }

    private static LoginRun loginLoad(int port, int clients, Duration duration) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        long measureFrom = start + LOGIN_WARMUP.toNanos();
        long end = measureFrom + duration.toNanos();
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            results.add(pool.submit(() -> {
                long[] latencies = new long[1024];
                int n = 0;
                long failed = 0;
                for (int i = 0; System.nanoTime() < end; i++) {
                    String user = "bench" + ((client + i * clients) % LOGIN_USERS);
                    long sent;
                    String reply;
                    try (RawImapClient imap = RawImapClient.plain("127.0.0.1", port)) {
                        imap.readLine();
                        sent = System.nanoTime();
                        reply = RawImapClient.tagged(imap.command("a", "LOGIN " + user + " " + PASSWORD));
                        long took = System.nanoTime() - sent;
                        if (reply.startsWith("a OK")) {
                            imap.command("z", "LOGOUT");
                        }
                        if (sent < measureFrom) {
                            continue;
                        }
                        if (!reply.startsWith("a OK")) {
                            failed++;
                            continue;
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = took;
                    } catch (IOException e) {
                        if (System.nanoTime() >= measureFrom) {
                            failed++;
                        }
                    }
                }
                long[] out = Arrays.copyOf(latencies, n + 1);
                out[n] = failed;
                return out;
            }));
        }
        long ok = 0;
        long failed = 0;
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : results) {
            long[] r = f.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            failed += r[r.length - 1];
            ok += r.length - 1;
            all.add(Arrays.copyOf(r, r.length - 1));
        }
        pool.shutdownNow();
        long[] latencies = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new LoginRun(ok, failed, duration.toNanos() / 1e9, latencies);
    }
}
