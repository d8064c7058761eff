package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.HaproxyServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.tls.SelfSignedCertificates;
import dev.postern.config.TlsConfig;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Postern behind a real HAProxy that sends the PROXY protocol ({@code send-proxy} v1 and {@code send-proxy-v2}) to
 * a plain and an implicit-TLS listener with {@code proxy_protocol: {trusted: [127.0.0.1]}}. Each client comes from
 * its own loopback address (127.0.0.x) while HAProxy reaches Postern from 127.0.0.1: the per-address cap, the failure
 * penalty and the log lines follow the client's address, not the balancer's. HAProxy's own health checks (LOCAL
 * headers) keep Postern up; an untrusted source's PROXY header is just garbage, a trusted source without a header
 * (or with a truncated one) is closed within {@code timeouts.proxy_header}.
 */
class LoadBalancerIT {
    private static final String USER = "lb-user";
    private static final String PASSWORD = dev.postern.testing.TestSecrets.register("Lb-it-pass-7c1e");
    private static final String PER_ADDRESS_BYE = "* BYE [UNAVAILABLE] Too many connections from your address";

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static HaproxyServer haproxy;
    private static ListAppender<ILoggingEvent> lines;
    private static Logger frontendLogger;

    @BeforeAll
    static void start() throws Exception {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
        Path dir = Files.createTempDirectory("postern-lb-it-");
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", dir.resolve("test.crt"),
                "key", dir.resolve("test.key"), "self_signed_if_missing", true)));
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: lb, bind: "127.0.0.1:0", tls: none, require_tls: false, proxy_protocol: {trusted: ["127.0.0.1/32"]}}
                  - {name: lbs, bind: "127.0.0.1:0", tls: implicit, proxy_protocol: {trusted: ["127.0.0.1"]}}
                tls: {certificate: test.crt, key: test.key}
                pools:
                  main: {backends: ["%s:%d"], health: {enabled: false}}
                routes:
                  static: {%s: main}
                limits:
                  max_connections_per_ip: 2
                  failure_delay: 50ms
                  penalty: {max_delay: 5s, max_user_delay: 0s}
                timeouts:
                  proxy_header: 1s
                """.formatted(dovecot.host(), dovecot.port(), USER));
        frontendLogger = (Logger) LoggerFactory.getLogger("dev.postern.frontend");
        // LOCAL headers are logged at debug only: the health-check test counts them.
        frontendLogger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        lines = new ListAppender<>();
        lines.start();
        frontendLogger.addAppender(lines);
        haproxy = HaproxyServer.start(List.of(
                HaproxyServer.Route.v2("v2", postern.port("lb")),
                HaproxyServer.Route.v1("v1", postern.port("lb")),
                HaproxyServer.Route.v2("tls", postern.port("lbs"))));
    }

    @AfterAll
    static void stop() {
        if (frontendLogger != null) {
            frontendLogger.detachAppender(lines);
            frontendLogger.setLevel(null);
        }
        Quietly.closeAll(haproxy, postern, dovecot);
    }

    private static List<String> logLines() {
        synchronized (lines) {
            return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static RawImapClient through(String route, String from) throws IOException {
        return RawImapClient.plainFrom(from, "127.0.0.1", haproxy.port(route));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void perAddressCapCountsTheClientNotTheBalancer(String route) throws IOException {
        String client = route.equals("v1") ? "127.0.0.21" : "127.0.0.22";
        String other = route.equals("v1") ? "127.0.0.23" : "127.0.0.24";
        List<RawImapClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                RawImapClient c = through(route, client);
                held.add(c);
                assertTrue(c.readLine().startsWith("* OK"));
            }
            try (RawImapClient third = through(route, client)) {
                assertEquals(PER_ADDRESS_BYE, third.readLine());
            }
            try (RawImapClient elsewhere = through(route, other)) {
                assertTrue(elsewhere.readLine().startsWith("* OK"), "another client behind the same balancer");
            }
            assertTrue(logLines().stream().anyMatch(l -> l.contains(client + ":") && l.contains("refused at accept")),
                    "the refusal's log line names the client");
        } finally {
            held.forEach(RawImapClient::close);
        }
    }

    @Test
    void loginLogLineNamesTheClient() throws IOException {
        try (RawImapClient c = through("v2", "127.0.0.25")) {
            assertTrue(c.readLine().startsWith("* OK"));
            assertTrue(RawImapClient.tagged(c.command("a1", "LOGIN " + USER + " " + PASSWORD)).startsWith("a1 OK"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream()
                .anyMatch(l -> l.contains(USER + " from 127.0.0.25:") && l.contains("logged in")));
    }

    @Test
    void implicitTlsBehindTheBalancerNamesTheClient() throws IOException {
        try (RawImapClient c = RawImapClient.tlsFrom("127.0.0.26", "127.0.0.1", haproxy.port("tls"), null)) {
            assertTrue(c.readLine().startsWith("* OK"));
            assertTrue(RawImapClient.tagged(c.command("a1", "LOGIN " + USER + " " + PASSWORD)).startsWith("a1 OK"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream()
                .anyMatch(l -> l.contains(USER + " from 127.0.0.26:") && l.contains("logged in")));
    }

    @Test
    void failurePenaltyFollowsTheClientsAddress() throws IOException {
        double grownBefore = delays("address");
        double baseBefore = delays("base");
        try (RawImapClient c = through("v1", "127.0.0.27")) {
            assertTrue(c.readLine().startsWith("* OK"));
            for (int i = 1; i <= 3; i++) {
                // A different unknown user each time: only the address can make the delay grow.
                assertTrue(RawImapClient.tagged(c.command("a" + i, "LOGIN nobody" + i + " x")).startsWith("a" + i + " NO"));
            }
        }
        assertEquals(2, delays("address") - grownBefore, "the 2nd and 3rd failure from one client grew");
        double grown = delays("address");
        try (RawImapClient c = through("v2", "127.0.0.28")) {
            assertTrue(c.readLine().startsWith("* OK"));
            assertTrue(RawImapClient.tagged(c.command("b1", "LOGIN nobody9 x")).startsWith("b1 NO"));
        }
        assertEquals(grown, delays("address"), "another client behind the same balancer is not penalised");
        assertEquals(2, delays("base") - baseBefore, "first failures of each client wait the base delay");
    }

    private static double delays(String scope) {
        Timer t = postern.meterRegistry().find("postern.login.delay").tag("scope", scope).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void healthChecksWithLocalHeadersKeepPosternUpAndQuiet() {
        long refusedBefore = count("(a trusted load balancer)");
        long localBefore = count("PROXY LOCAL from 127.0.0.1");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("PROXY LOCAL from 127.0.0.1") >= localBefore + 6);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals("UP L4OK", haproxy.serverStatus("v2"));
            assertEquals("UP L4OK", haproxy.serverStatus("tls"));
            assertEquals("UP L4OK", haproxy.serverStatus("v1"));
        });
        assertEquals(refusedBefore, count("(a trusted load balancer)"), "no check was refused");
    }

    private static long count(String text) {
        return logLines().stream().filter(l -> l.contains(text)).count();
    }

    @Test
    void untrustedSourcesHeaderIsAnOrdinaryBadCommand() throws IOException {
        List<RawImapClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                RawImapClient c = RawImapClient.plainFrom("127.0.0.29", "127.0.0.1", postern.port("lb"));
                held.add(c);
                assertTrue(c.readLine().startsWith("* OK"), "no header expected from an untrusted source");
                c.send("PROXY TCP4 10.9.9.9 127.0.0.1 1000 143\r\n");
                assertTrue(c.readLine().startsWith("PROXY BAD"));
            }
            try (RawImapClient third = RawImapClient.plainFrom("127.0.0.29", "127.0.0.1", postern.port("lb"))) {
                assertEquals(PER_ADDRESS_BYE, third.readLine(), "still counted as 127.0.0.29, not 10.9.9.9");
            }
        } finally {
            held.forEach(RawImapClient::close);
        }
        try (Socket s = new Socket()) {
            // On the implicit-TLS listener the same line is no ClientHello: closed, nothing said.
            s.bind(new InetSocketAddress("127.0.0.30", 0));
            s.connect(new InetSocketAddress("127.0.0.1", postern.port("lbs")));
            s.setSoTimeout(10_000);
            s.getOutputStream().write("PROXY TCP4 10.9.9.9 127.0.0.1 1000 993\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void trustedSourceWithoutAWholeHeaderIsClosed() throws IOException {
        for (String start : List.of("a1 CAPABILITY\r\n", "", "PROXY TCP4 192.0.2.1")) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                s.connect(new InetSocketAddress("127.0.0.1", postern.port("lb")));
                s.setSoTimeout(10_000);
                s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
                long began = System.nanoTime();
                assertEquals(-1, s.getInputStream().read(), "closed without a greeting: '" + start + "'");
                assertTrue(Duration.ofNanos(System.nanoTime() - began).toMillis() < 9_000);
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream()
                .filter(l -> l.contains("(a trusted load balancer)")).count() >= 3);
        assertTrue(logLines().stream().anyMatch(l -> l.contains("no whole PROXY header within 1000 ms")));
    }
}
