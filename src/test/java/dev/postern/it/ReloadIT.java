package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.TlsConfig;
import dev.postern.server.ProxyServer.ReloadResult;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.SelfSignedCertificates;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Full live reload (what SIGHUP and the admin API's reload do) against a running Postern and a real Dovecot:
 * listeners rebound, added and removed; limits, greeting, pools and routes changed; a bad file, a missing
 * certificate and an address in use refused with nothing changed; sessions open across a reload keep working.
 */
class ReloadIT {
    private static final String USER = "reload-user";
    private static final String PASSWORD = TestSecrets.register("Reload-it-pass-41d2");

    private static DovecotServer dovecot;
    private PosternHarness postern;
    private Path dir;
    private int portA;
    private int portB;

    @BeforeAll
    static void startDovecot() {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
    }

    @AfterAll
    static void stopDovecot() {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("postern-reload-it-");
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", dir.resolve("test.crt"),
                "key", dir.resolve("test.key"), "self_signed_if_missing", true)));
        portA = Ports.closedPort();
        portB = Ports.closedPort();
        postern = PosternHarness.startWithFullYaml(dir, config(
                "  - {name: a, bind: \"127.0.0.1:" + portA + "\", tls: none, require_tls: false}\n",
                "127.0.0.1:" + Ports.closedPort(), "greeting: Before reload.\n"));
    }

    @AfterEach
    void stop() {
        if (postern != null) {
            postern.close();
        }
    }

    /** A whole config: the listeners given, TLS files, one pool "main" of {@code backend} with the user routed there. */
    private static String config(String listeners, String backend, String extra) {
        return "listeners:\n" + listeners + """
                tls: {certificate: test.crt, key: test.key}
                pools:
                  main: {backends: ["%s"], health: {enabled: false}}
                routes:
                  static: {%s: main}
                """.formatted(backend, USER) + extra;
    }

    private ReloadResult reloadWith(String yaml) throws IOException {
        Files.writeString(dir.resolve("postern.yaml"), yaml, StandardCharsets.UTF_8);
        return postern.server().reload();
    }

    private static String dovecotAddress() {
        return dovecot.host() + ":" + dovecot.port();
    }

    private static String greeting(int port) throws IOException {
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", port)) {
            return c.readLine();
        }
    }

    @Test
    void listenersAreReboundAddedAndRemovedWhileOpenSessionsCarryOn() throws IOException {
        try (RawImapClient open = RawImapClient.plain("127.0.0.1", portA)) {
            assertEquals("* OK [CAPABILITY IMAP4rev1 SASL-IR ID LITERAL- AUTH=PLAIN AUTH=LOGIN] Before reload.",
                    open.readLine().replaceAll("\\[CAPABILITY [^\\]]*\\]", "[CAPABILITY IMAP4rev1 SASL-IR ID LITERAL- AUTH=PLAIN AUTH=LOGIN]"));
            int portA2 = Ports.closedPort();
            ReloadResult result = reloadWith(config(
                    "  - {name: a, bind: \"127.0.0.1:" + portA2 + "\", tls: none, require_tls: false}\n"
                            + "  - {name: b, bind: \"127.0.0.1:" + portB + "\", tls: starttls}\n",
                    dovecotAddress(), "greeting: After reload.\n"));
            assertTrue(result.applied(), result.message());
            assertTrue(greeting(portA2).endsWith("After reload."), "listener a answers on its new address");
            assertTrue(greeting(portB).endsWith("After reload."), "listener b was added");
            assertThrows(ConnectException.class, () -> greeting(portA), "the old address of a is closed");
            assertEquals(portA2, postern.server().address("a").getPort());
            // The session accepted before the reload still works, and logs in through the new pool.
            assertTrue(RawImapClient.tagged(open.command("n1", "NOOP")).startsWith("n1 OK"));
            assertTrue(RawImapClient.tagged(open.command("l1", "LOGIN " + USER + " " + PASSWORD)).startsWith("l1 OK"));
            assertTrue(RawImapClient.tagged(open.command("s1", "SELECT INBOX")).startsWith("s1 OK"));

            ReloadResult removed = reloadWith(config(
                    "  - {name: b, bind: \"127.0.0.1:" + portB + "\", tls: starttls}\n", dovecotAddress(), ""));
            assertTrue(removed.applied(), removed.message());
            assertThrows(ConnectException.class, () -> greeting(portA2), "listener a was removed");
            assertTrue(greeting(portB).startsWith("* OK"));
            assertTrue(RawImapClient.tagged(open.command("s2", "NOOP")).startsWith("s2 OK"), "relayed session untouched");
        }
    }

    @Test
    void poolsRoutesAndLimitsTakeEffectForNewConnections() throws IOException {
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", portA)) {
            c.readLine();
            String refused = RawImapClient.tagged(c.command("l1", "LOGIN " + USER + " " + PASSWORD));
            assertTrue(refused.startsWith("l1 NO [UNAVAILABLE]"), "the pool's only backend is a closed port: " + refused);
        }
        ReloadResult result = reloadWith(config(
                "  - {name: a, bind: \"127.0.0.1:" + portA + "\", tls: none, require_tls: false}\n",
                dovecotAddress(), "limits: {max_connections_per_ip: 1}\n"));
        assertTrue(result.applied(), result.message());
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", portA)) {
            c.readLine();
            try (RawImapClient second = RawImapClient.plain("127.0.0.1", portA)) {
                assertEquals("* BYE [UNAVAILABLE] Too many connections from your address", second.readLine());
            }
            assertTrue(RawImapClient.tagged(c.command("l2", "LOGIN " + USER + " " + PASSWORD)).startsWith("l2 OK"),
                    "the pool now names the live Dovecot");
        }
    }

    @Test
    void aBadConfigChangesNothingAndSaysWhy() throws IOException {
        int portC = Ports.closedPort();
        String listenerC = "  - {name: c, bind: \"127.0.0.1:" + portC + "\", tls: none, require_tls: false}\n";
        String listenerA = "  - {name: a, bind: \"127.0.0.1:" + portA + "\", tls: none, require_tls: false}\n";
        ReloadResult typo = reloadWith(config(listenerA + listenerC, dovecotAddress(), "limitz: {}\n"));
        assertFalse(typo.applied());
        assertTrue(typo.message().contains("limitz: unknown key"), typo.message());

        Files.delete(dir.resolve("test.key"));
        ReloadResult noKey = reloadWith(config(listenerA + listenerC.replace("tls: none", "tls: implicit"),
                dovecotAddress(), ""));
        assertFalse(noKey.applied());
        assertTrue(noKey.message().contains("test.key"), noKey.message());

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String listenerD = "  - {name: d, bind: \"127.0.0.1:" + taken.getLocalPort() + "\", tls: none, require_tls: false}\n";
            ReloadResult inUse = reloadWith(config(listenerA + listenerC + listenerD, dovecotAddress(), ""));
            assertFalse(inUse.applied());
            assertTrue(inUse.message().contains("listeners.d") && inUse.message().contains("in use"), inUse.message());
        }
        assertThrows(ConnectException.class, () -> greeting(portC), "c, bound before d failed, was let go again");
        assertTrue(greeting(portA).endsWith("Before reload."), "still the old configuration");
        assertEquals(java.util.List.of("a"), postern.server().config().listeners().stream().map(l -> l.name()).toList());
    }
}
