package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client's address on to a real Dovecot, per pool: {@code forward: id} (Dovecot trusts Postern through
 * {@code login_trusted_networks} and takes {@code x-originating-ip}), {@code proxy_v2} and {@code proxy_v1} (a
 * Dovecot listener with {@code haproxy = yes}). Each client comes from its own 127.0.0.x; Dovecot's own login line
 * must name it as {@code rip=}, and its auth penalty must fall on it, not on every user behind Postern. Also: health
 * checks of a PROXY pool (LOCAL headers) keep the backend up, the client's own ID travels with
 * {@code forward_client_id}, and an {@code x-proxy-ttl} that has run out is refused before any backend.
 */
class ForwardClientIT {
    private static final String USER = "fwd-user";
    private static final String PASSWORD = TestSecrets.register("Forward-it-pass-5b7");
    private static final String V2_USER = "fwd-v2user";
    private static final String V1_USER = "fwd-v1user";
    private static final String WRONG = TestSecrets.register("Forward-it-wrong-2c9");

    private static DovecotServer dovecot;
    private static int haproxyPort;
    private static int haproxyV1Port;
    private static PosternHarness postern;

    @BeforeAll
    static void start() {
        haproxyPort = Ports.closedPort();
        haproxyV1Port = Ports.closedPort();
        dovecot = DovecotServer.builder().user(USER, PASSWORD).user(V2_USER, PASSWORD).user(V1_USER, PASSWORD).extraConfig("""
                haproxy_trusted_networks = 127.0.0.1/32
                imap_id_log = *
                service imap-login {
                  inet_listener imap_haproxy {
                    address = 127.0.0.1
                    port = %d
                    haproxy = yes
                  }
                  inet_listener imap_haproxy_v1 {
                    address = 127.0.0.1
                    port = %d
                    haproxy = yes
                  }
                }
                # Dovecot's auth penalty on (the harness turns it off): it must fall on the client's address.
                service anvil {
                  unix_listener anvil-auth-penalty {
                    mode = 0600
                  }
                }
                """.formatted(haproxyPort, haproxyV1Port)).start();
        String plain = dovecot.host() + ":" + dovecot.port();
        String proxied = "127.0.0.1:" + haproxyPort;
        postern = PosternHarness.startWithYaml("""
                pools:
                  id: {backends: ["%1$s"], forward: id, forward_client_id: true, health: {enabled: false}}
                  v2: {backends: ["%2$s"], forward: proxy_v2, health: {interval: 200ms, timeout: 1s, rise: 1, fall: 1}}
                  v1: {backends: ["%4$s"], forward: proxy_v1, health: {interval: 200ms, timeout: 1s, rise: 1, fall: 1}}
                routes:
                  static: {%3$s: v2, %5$s: v1}
                  default_pool: id
                limits: {failure_delay: 0s}
                """.formatted(plain, proxied, V2_USER, "127.0.0.1:" + haproxyV1Port, V1_USER));
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    private static String login(String from, String user, String password) throws IOException {
        try (RawImapClient c = RawImapClient.plainFrom(from, "127.0.0.1", postern.plainPort())) {
            c.readLine();
            c.command("i", "ID (\"name\" \"ForwardClientIT\" \"version\" \"1.0\" \"x-originating-ip\" \"10.6.6.6\")");
            return RawImapClient.tagged(c.command("l", "LOGIN " + user + " " + password));
        }
    }

    private static String dovecotLine(String pattern) throws IOException {
        Pattern p = Pattern.compile(pattern);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(dovecot.logFile()).stream()
                .anyMatch(l -> p.matcher(l).find()));
        return Files.readString(dovecot.logFile()).lines().filter(l -> p.matcher(l).find()).findFirst().orElseThrow();
    }

    @Test
    void idForwardingShowsTheClientInDovecotsLoginLine() throws IOException {
        assertTrue(login("127.0.0.51", USER, PASSWORD).startsWith("l OK"));
        String line = dovecotLine("Login: user=<" + USER + ">.*rip=127\\.0\\.0\\.51,");
        assertTrue(line.contains("lip=127.0.0.1"), line);
        // The client's own ID went along (imap_id_log), its x-originating-ip did not override Postern's.
        dovecotLine("ID sent: .*name=ForwardClientIT.*version=1\\.0");
        assertTrue(!Files.readString(dovecot.logFile()).contains("rip=10.6.6.6"));
    }

    @Test
    void proxyV2ForwardingShowsTheClientInDovecotsLoginLine() throws IOException {
        assertTrue(login("127.0.0.52", V2_USER, PASSWORD).startsWith("l OK"));
        dovecotLine("Login: user=<" + V2_USER + ">.*rip=127\\.0\\.0\\.52,");
    }

    @Test
    void proxyV1ForwardingShowsTheClientInDovecotsLoginLine() throws IOException {
        assertTrue(login("127.0.0.54", V1_USER, PASSWORD).startsWith("l OK"));
        dovecotLine("Login: user=<" + V1_USER + ">.*rip=127\\.0\\.0\\.54,");
    }

    @Test
    void proxyPoolHealthChecksSendLocalAndKeepTheBackendUp() {
        // The v2 pool is checked every 200 ms with a LOCAL header; Dovecot would drop a connection without one.
        for (int port : new int[] {haproxyPort, haproxyV1Port}) {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                    postern.registry().find("postern.backend.up").tag("backend", "127.0.0.1:" + port)
                            .gauge().value() == 1.0);
        }
    }

    @Test
    void dovecotsAuthPenaltyFallsOnTheClientNotOnEveryone() throws IOException {
        for (int i = 0; i < 3; i++) {
            assertTrue(login("127.0.0.61", USER, WRONG).startsWith("l NO"));
        }
        long other = timed(() -> assertTrue(login("127.0.0.62", USER, PASSWORD).startsWith("l OK")));
        long same = timed(() -> assertTrue(login("127.0.0.61", USER, PASSWORD).startsWith("l OK")));
        assertTrue(same >= 1_500, "Dovecot delays the guessing client: " + same + " ms");
        assertTrue(other < same, "another client is not delayed like it: " + other + " ms against " + same + " ms");
    }

    @Test
    void aSpentProxyTtlIsRefusedBeforeAnyBackend() throws IOException {
        try (RawImapClient c = RawImapClient.plainFrom("127.0.0.53", "127.0.0.1", postern.plainPort())) {
            c.readLine();
            c.command("i", "ID (\"x-proxy-ttl\" \"1\")");
            List<String> reply = c.command("l", "LOGIN " + USER + " " + PASSWORD);
            assertTrue(RawImapClient.tagged(reply).startsWith("l NO [UNAVAILABLE]"), reply.toString());
        }
        assertTrue(!Files.readString(dovecot.logFile()).contains("rip=127.0.0.53"), "no backend was asked");
    }

    private interface Action {
        void run() throws IOException;
    }

    private static long timed(Action action) throws IOException {
        long start = System.nanoTime();
        action.run();
        return (System.nanoTime() - start) / 1_000_000;
    }
}
