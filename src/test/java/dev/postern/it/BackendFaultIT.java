package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.route.LookupRequest;
import dev.postern.route.RouteDecision;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.testing.ToxiproxyServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults on the backend leg (Postern to a real Dovecot through a real toxiproxy-server): a backend that is gone
 * before the connect, a greeting slower than {@code timeouts.backend_login} and one just inside it, a connection
 * reset while relaying. Each ends with a clear answer or a closed session, the backend's health following, no
 * session left open; Netty's paranoid leak detector (the suite's log guard) fails the run on any leaked buffer.
 */
class BackendFaultIT {
    private static final String USER = "fault-user";
    private static final int PAIR_USERS = 12;
    private static final String PASSWORD = TestSecrets.register("Fault-it-pass-3e8");

    private static DovecotServer dovecot;
    private static ToxiproxyServer toxiproxy;
    private static Proxy proxy;
    private static PosternHarness postern;
    private static String backend;

    @BeforeAll
    static void start() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder().user(USER, PASSWORD);
        for (int i = 0; i < PAIR_USERS; i++) {
            builder.user("pair" + i, PASSWORD);
        }
        dovecot = builder.start();
        toxiproxy = ToxiproxyServer.start();
        proxy = toxiproxy.proxy("dovecot", dovecot.host() + ":" + dovecot.port());
        backend = "127.0.0.1:" + ToxiproxyServer.port(proxy);
        postern = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["%s"]
                    health: {interval: 200ms, timeout: 1s, rise: 1, fall: 1}
                  pair:
                    backends: ["%1$s", "%2$s"]
                    health: {interval: 200ms, timeout: 1s, rise: 1, fall: 1}
                routes:
                  default_pool: main
                  sources: [{type: rules, rules: [{match: "^pair[0-9]+$", to: pair}]}]
                timeouts: {backend_login: 2s}
                limits: {failure_delay: 0s}
                """.formatted(backend, dovecot.host() + ":" + dovecot.port()));
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, toxiproxy, dovecot);
    }

    @AfterEach
    void heal() throws IOException {
        ToxiproxyServer.heal(proxy);
        await().atMost(Duration.ofSeconds(10)).until(() -> up() == 1.0);
        await().atMost(Duration.ofSeconds(10)).until(() -> postern.server().sessionCount() == 0);
    }

    private static double up() {
        Gauge g = postern.registry().find("postern.backend.up").tag("backend", backend).gauge();
        return g == null ? -1 : g.value();
    }

    private static String login() throws IOException {
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            c.readLine();
            return RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD));
        }
    }

    @Test
    void aBackendGoneBeforeTheConnectIsUnavailableAndMarkedDownThenUpAgain() throws IOException {
        proxy.disable();
        assertTrue(login().startsWith("l NO [UNAVAILABLE]"));
        await().atMost(Duration.ofSeconds(5)).until(() -> up() == 0.0);
        proxy.enable();
        await().atMost(Duration.ofSeconds(5)).until(() -> up() == 1.0);
        assertTrue(login().startsWith("l OK"));
    }

    @Test
    void whenTheUsersFirstBackendIsGoneTheNextOneServesTheLogin() throws Exception {
        String user = null;
        for (int i = 0; i < PAIR_USERS && user == null; i++) {
            RouteDecision decision = postern.server().router().resolve(LookupRequest.refresh("pair" + i)).get();
            if (decision instanceof RouteDecision.Backends b
                    && b.order().get(0).toString().equals(backend)) {
                user = "pair" + i;
            }
        }
        assertTrue(user != null, "one of " + PAIR_USERS + " users has the proxied backend first");
        proxy.disable();
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            c.readLine();
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + user + " " + PASSWORD)).startsWith("l OK"),
                    "served by the pool's other backend");
        }
    }

    @Test
    void aGreetingPastTheBackendLoginTimeoutIsUnavailableAndOneJustInsideLogsIn() throws IOException {
        Toxic slow = proxy.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 3_000);
        String answer = login();
        assertTrue(answer.startsWith("l NO [UNAVAILABLE]"), answer);
        slow.remove();
        proxy.toxics().latency("inside", ToxicDirection.DOWNSTREAM, 300);
        answer = login();
        assertTrue(answer.startsWith("l OK"), answer);
    }

    @Test
    void aResetWhileRelayingClosesTheSessionAndLeavesNothingOpen() throws IOException {
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            c.readLine();
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD)).startsWith("l OK"));
            assertTrue(RawImapClient.tagged(c.command("s", "SELECT INBOX")).startsWith("s OK"));
            proxy.toxics().resetPeer("reset", ToxicDirection.DOWNSTREAM, 0);
            c.send("n NOOP\r\n");
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)), "the client's side closes with the backend's");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> postern.server().sessionCount() == 0);
    }
}
