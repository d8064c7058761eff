package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postern.admin.AdminServer;
import dev.postern.config.ConfigLoader;
import dev.postern.server.ProxyServer;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API against a running Postern with real Dovecot sessions: the token, metrics, readiness, sessions and
 * kick (a real IMAP session closed, a pre-auth one told BYE), drain with kick moving a user to the other Dovecot of a
 * two-backend pool, route flush and lookup, reload, and the status page.
 */
class AdminApiIT {
    private static final String USER = "admin-it-user";
    private static final String PASSWORD = TestSecrets.register("Admin-it-pass-8d4");
    private static final String TOKEN = TestSecrets.register("admin-it-token-3f1c9");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DovecotServer one;
    private static DovecotServer two;
    private static ProxyServer postern;
    private static PrometheusMeterRegistry registry;
    private static AdminServer admin;
    private static Path dir;
    private static int imapPort;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        one = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("ONE").start();
        two = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("TWO").start();
        dir = Files.createTempDirectory("postern-admin-it-");
        Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        imapPort = Ports.closedPort();
        Files.writeString(dir.resolve("postern.yaml"), config(imapPort));
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        dev.postern.tls.SelfSignedCertificates.createIfMissing(
                ConfigLoader.load(dir.resolve("postern.yaml")).tls());
        postern = ProxyServer.start(ConfigLoader.load(dir.resolve("postern.yaml")), registry);
        admin = AdminServer.start(postern.config().admin(), postern, registry);
    }

    private static String config(int port) {
        return """
                listeners:
                  - {name: plain, bind: "127.0.0.1:%d", tls: none, require_tls: false}
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                tls: {certificate: test.crt, key: test.key, self_signed_if_missing: true}
                pools:
                  pair: {backends: ["%s:%d", "%s:%d"], health: {enabled: false}}
                routes: {default_pool: pair}
                admin: {bind: "127.0.0.1:0", token_file: admin.token}
                """.formatted(port, one.host(), one.port(), two.host(), two.port());
    }

    @AfterAll
    static void stop() throws IOException {
        if (admin != null) {
            admin.close();
        }
        if (postern != null) {
            postern.close();
        }
        for (DovecotServer d : new DovecotServer[] {one, two}) {
            if (d != null) {
                d.close();
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String method, String path) throws Exception {
        HttpResponse<String> response = call(method, path, TOKEN);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static RawImapClient loggedIn(String from) throws IOException {
        RawImapClient c = RawImapClient.plainFrom(from, "127.0.0.1", imapPort);
        c.readLine();
        assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD)).startsWith("l OK"));
        return c;
    }

    @Test
    void drainingTheInstanceMakesItNotReadyWhileItsSessionsGoOn() throws Exception {
        try (RawImapClient c = loggedIn("127.0.0.71")) {
            HttpResponse<String> drain = call("POST", "/drain", TOKEN);
            assertEquals(200, drain.statusCode());
            assertTrue(drain.body().replace(" ", "").contains("\"sessions\":1"), drain.body());
            HttpResponse<String> ready = call("GET", "/ready", null);
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("draining"), ready.body());
            assertTrue(RawImapClient.tagged(c.command("n", "NOOP")).startsWith("n OK"), "the session goes on");
            assertEquals(200, call("POST", "/undrain", TOKEN).statusCode());
            assertEquals(200, call("GET", "/ready", null).statusCode());
        }
    }

    @Test
    void everyEndpointButTheProbesWantsTheToken() throws Exception {
        assertEquals(200, call("GET", "/health", null).statusCode());
        assertEquals(200, call("GET", "/ready", null).statusCode(), "a Kubernetes probe carries no token");
        for (String path : new String[] {"/sessions", "/metrics", "/", "/backends"}) {
            assertEquals(401, call("GET", path, null).statusCode(), path);
            assertEquals(401, call("GET", path, "wrong-token").statusCode(), path);
        }
        assertEquals(401, call("POST", "/reload", null).statusCode());
        assertEquals(401, call("POST", "/drain", null).statusCode());
        assertEquals(404, call("GET", "/nothing", TOKEN).statusCode());
        assertEquals(405, call("GET", "/reload", TOKEN).statusCode());
    }

    @Test
    void metricsAreScrapedAsPrometheusText() throws Exception {
        try (RawImapClient c = loggedIn("127.0.0.70")) {
            HttpResponse<String> metrics = call("GET", "/metrics", TOKEN);
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
            for (String name : new String[] {"postern_connections_accepted_total", "postern_login_duration_seconds",
                    "postern_backend_up", "postern_relay_active", "postern_relay_bytes_total",
                    "netty_allocator_memory_used"}) {
                assertTrue(metrics.body().contains(name), name + " in:\n" + metrics.body());
            }
            assertTrue(!metrics.body().contains("127.0.0.70"), "no client address in a metric");
        }
        assertEquals(200, call("GET", "/ready", TOKEN).statusCode());
    }

    /** Every query of the shipped Grafana dashboard names only metrics a real scrape has. */
    @Test
    void theGrafanaDashboardUsesOnlyExportedMetrics() throws Exception {
        try (RawImapClient c = loggedIn("127.0.0.74")) {
            RawImapClient.tagged(c.command("n", "NOOP"));
        }
        try (RawImapClient tls = RawImapClient.tls("127.0.0.1", postern.address("imaps").getPort())) {
            tls.readLine();
        }
        String scrape = call("GET", "/metrics", TOKEN).body();
        java.util.Set<String> exported = new java.util.HashSet<>();
        java.util.regex.Matcher line = java.util.regex.Pattern.compile("(?m)^([a-z_:]+)[{ ]").matcher(scrape);
        while (line.find()) {
            exported.add(line.group(1));
        }
        JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/postern.json").toFile());
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((?:postern|cache)_[a-z_]+)\\b");
        int queries = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                queries++;
                java.util.regex.Matcher m = metric.matcher(target.get("expr").asText());
                assertTrue(m.find(), "a query without a metric: " + target);
                do {
                    assertTrue(exported.contains(m.group(1)), panel.get("title") + ": " + m.group(1)
                            + " is not in the scrape");
                } while (m.find());
            }
        }
        assertTrue(queries >= 12, "the dashboard has its queries: " + queries);
    }

    @Test
    void sessionsAreListedAndKicked() throws Exception {
        try (RawImapClient relayed = loggedIn("127.0.0.71");
             RawImapClient preAuth = RawImapClient.plainFrom("127.0.0.72", "127.0.0.1", imapPort)) {
            preAuth.readLine();
            JsonNode listed = json("GET", "/sessions?ip=127.0.0.71");
            assertEquals(1, listed.get("count").asInt(), listed.toString());
            JsonNode session = listed.get("sessions").get(0);
            assertEquals(USER, session.get("user").asText());
            assertTrue(session.get("client").asText().startsWith("127.0.0.71:"));
            assertEquals(1, json("POST", "/sessions/kick?id=" + session.get("id").asText()).get("kicked").asInt());
            assertTrue(relayed.isClosedByPeer(Duration.ofSeconds(5)), "the relayed session was closed");
            assertEquals(1, json("POST", "/sessions/kick?ip=127.0.0.72").get("kicked").asInt());
            assertEquals("* BYE Disconnected by the administrator", preAuth.readLine());
            assertEquals(400, call("POST", "/sessions/kick", TOKEN).statusCode(), "a bare kick names nobody");
        }
    }

    @Test
    void drainWithKickMovesTheUserToTheOtherBackend() throws Exception {
        JsonNode lookup = json("GET", "/routes/lookup?user=" + USER);
        assertEquals("pair", lookup.get("pool").asText(), lookup.toString());
        assertEquals("routes.default_pool", lookup.get("source").asText(), lookup.toString());
        String first = lookup.get("backends").get(0).get("address").asText();
        try (RawImapClient c = loggedIn("127.0.0.73")) {
            assertEquals(first, json("GET", "/sessions?ip=127.0.0.73").get("sessions").get(0).get("backend").asText());
            JsonNode drained = json("POST", "/backends/drain?address=" + first + "&kick=true");
            assertEquals(1, drained.get("kicked").asInt());
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
        try (RawImapClient again = loggedIn("127.0.0.73")) {
            String now = json("GET", "/sessions?ip=127.0.0.73").get("sessions").get(0).get("backend").asText();
            assertNotEquals(first, now, "the user moved to the other backend");
        } finally {
            json("POST", "/backends/undrain?address=" + first);
        }
        JsonNode backends = json("GET", "/backends");
        assertEquals(2, backends.get("backends").size());
        assertEquals(404, call("POST", "/backends/drain?address=127.0.0.1:1", TOKEN).statusCode());
        assertEquals("all", json("POST", "/routes/flush").get("flushed").asText());
        assertEquals(USER, json("POST", "/routes/flush?user=" + USER.toUpperCase()).get("flushed").asText());
    }

    @Test
    void reloadRebindsAListenerAndABadFileIsRefused() throws Exception {
        int newPort = Ports.closedPort();
        Files.writeString(dir.resolve("postern.yaml"), config(newPort));
        JsonNode applied = json("POST", "/reload");
        assertTrue(applied.get("applied").asBoolean(), applied.toString());
        imapPort = newPort;
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawImapClient c = RawImapClient.plain("127.0.0.1", newPort)) {
                return c.readLine().startsWith("* OK");
            }
        });
        Files.writeString(dir.resolve("postern.yaml"), "listeners: nonsense\n");
        HttpResponse<String> refused = call("POST", "/reload", TOKEN);
        assertEquals(422, refused.statusCode());
        assertTrue(refused.body().contains("listeners"), refused.body());
        Files.writeString(dir.resolve("postern.yaml"), config(newPort));
    }

    /** The status page as a real browser renders it (headless Chromium, on an admin listener without a token). */
    @Test
    void chromiumRendersTheStatusPage() throws Exception {
        try (AdminServer open = AdminServer.start(new dev.postern.config.AdminConfig(
                new dev.postern.config.HostPort("127.0.0.1", 0), null), postern, registry)) {
            Process chromium = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + dir.resolve("chromium"), "--dump-dom",
                    "http://127.0.0.1:" + open.port() + "/").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(chromium.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "chromium finished");
            assertTrue(dom.contains("<h1>Postern</h1>"), dom);
            assertTrue(dom.matches("(?s).*<tr class=\"up\"><td>" + java.util.regex.Pattern.quote(one.host() + ":"
                    + one.port()) + "</td><td>\\[pair\\]</td><td>UP</td>.*"), dom);
            assertTrue(dom.contains("<td>plain</td>") && dom.contains("<td>imaps</td>"), "listeners rendered");
            assertTrue(dom.matches("(?s).*<td>\\d+ days</td>.*"), "certificate expiry rendered");
        }
    }

    @Test
    void theStatusPageShowsListenersAndBackends() throws Exception {
        HttpResponse<String> page = call("GET", "/", TOKEN);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<meta http-equiv=\"refresh\""));
        assertTrue(page.body().contains(one.host() + ":" + one.port()) && page.body().contains(":" + two.port()));
        assertTrue(page.body().contains("<table id=\"listeners\">"));
    }
}
