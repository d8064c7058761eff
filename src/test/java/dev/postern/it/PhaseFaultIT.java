package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TcpTable;
import dev.postern.testing.TestMessages;
import dev.postern.testing.TestSecrets;
import dev.postern.testing.ToxiproxyServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fault matrix: {@code reset_peer}, {@code timeout}, {@code limit_data} and latency at each phase of a session
 * (connect and greeting, our login at the backend, relay) on each leg, through a real toxiproxy-server in front of a
 * real Dovecot and in front of Postern. What must hold each time: the client gets {@code NO [UNAVAILABLE]} or a
 * closed connection within the timeouts, never a hang; afterwards Postern holds no session and no connection to the
 * backend remains (the kernel's TCP table, not only Postern's meters); the next login goes through. Netty's
 * paranoid leak detector and the suite's log guard fail the run on any buffer not released.
 */
class PhaseFaultIT {
    private static final String USER = "phase-user";
    private static final String PASSWORD = TestSecrets.register("Phase-fault-pass-19b");
    private static final Duration BACKEND_LOGIN = Duration.ofSeconds(2);
    /** Bigger than every socket buffer and water mark on the way, so the fault lands while bytes still flow. */
    private static final int LARGE_BYTES = 5 * 1024 * 1024;

    private static DovecotServer dovecot;
    private static ToxiproxyServer toxiproxy;
    private static Proxy backendLeg;
    private static Proxy clientLeg;
    private static PosternHarness postern;
    private static int greetingBytes;
    private static byte[] large;

    @BeforeAll
    static void start() throws IOException {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
        toxiproxy = ToxiproxyServer.start();
        backendLeg = toxiproxy.proxy("backend", dovecot.host() + ":" + dovecot.port());
        // no active probes: the only connections to the backend are the sessions' own; a failed one makes the
        // backend unusable for 200 ms, then it is tried again
        postern = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["127.0.0.1:%d"]
                    health: {enabled: false, interval: 200ms, fall: 1}
                routes: {default_pool: main}
                timeouts: {backend_login: 2s, pre_auth_idle: 2s}
                limits: {failure_delay: 0s}
                """.formatted(ToxiproxyServer.port(backendLeg)));
        clientLeg = toxiproxy.proxy("client", "127.0.0.1:" + postern.plainPort());
        try (RawImapClient c = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            greetingBytes = c.readLine().length() + 2;
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD)).startsWith("l OK"));
            large = TestMessages.crlf(LARGE_BYTES, 5, "phase fault");
            c.send("a APPEND INBOX {" + large.length + "}\r\n");
            assertTrue(c.readLine().startsWith("+"));
            c.sendBytes(large);
            c.send("\r\n");
            assertTrue(RawImapClient.tagged(c.readUntilTagged("a")).startsWith("a OK"));
        }
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, toxiproxy, dovecot);
    }

    /** Heals both legs, then: nothing left open on either side, and a login through both legs works again. */
    @AfterEach
    void nothingLeftAndTheNextLoginWorks() throws IOException {
        ToxiproxyServer.heal(backendLeg, clientLeg);
        await("Postern's sessions back to zero").atMost(Duration.ofSeconds(10))
                .until(() -> postern.server().sessionCount() == 0);
        await("no connection to the backend left").atMost(Duration.ofSeconds(10))
                .until(() -> TcpTable.openTo(ToxiproxyServer.port(backendLeg)) == 0);
        await("the next login through both legs").atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawImapClient c = throughClientLeg()) {
                return login(c).startsWith("l OK");
            }
        });
    }

    // ---- backend leg ---------------------------------------------------------------------------------------------

    @Test
    void backendResetAtConnectIsUnavailable() throws IOException {
        backendLeg.toxics().resetPeer("reset", ToxicDirection.DOWNSTREAM, 0);
        assertUnavailable();
    }

    @Test
    void backendGreetingThatNeverComesIsUnavailableWithinTheBackendLoginTimeout() throws IOException {
        backendLeg.toxics().timeout("silent", ToxicDirection.DOWNSTREAM, 0);
        assertUnavailable();
    }

    @Test
    void backendCutInsideItsGreetingIsUnavailable() throws IOException {
        backendLeg.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, greetingBytes / 2);
        assertUnavailable();
    }

    @Test
    void backendCutRightAfterItsGreetingDuringOurLoginIsUnavailable() throws IOException {
        backendLeg.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, greetingBytes);
        assertUnavailable();
    }

    @Test
    void ourLoginThatNeverReachesTheBackendIsUnavailableWithinTheBackendLoginTimeout() throws IOException {
        backendLeg.toxics().timeout("silent", ToxicDirection.UPSTREAM, 0);
        assertUnavailable();
    }

    @Test
    void ourLoginSlowerThanTheBackendLoginTimeoutIsUnavailableAndOneJustInsideLogsIn() throws IOException {
        Toxic slow = backendLeg.toxics().latency("slow", ToxicDirection.UPSTREAM, 3_000);
        assertUnavailable();
        slow.remove();
        await().pollDelay(Duration.ofMillis(300)).until(() -> true); // the failed backend's 200 ms pause
        backendLeg.toxics().latency("inside", ToxicDirection.UPSTREAM, 500);
        try (RawImapClient c = direct()) {
            assertTrue(login(c).startsWith("l OK"));
        }
    }

    @Test
    void backendGoneSilentWhileRelayingClosesTheSessionWhenItsConnectionEnds() throws IOException {
        try (RawImapClient c = direct()) {
            assertTrue(login(c).startsWith("l OK"));
            backendLeg.toxics().timeout("silent", ToxicDirection.DOWNSTREAM, 1_000);
            c.send("n NOOP\r\n");
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(10)), "closed with the backend's connection");
        }
    }

    @Test
    void backendGoneInTheMiddleOfALargeFetchClosesTheSessionAfterAPrefixOfTheMessage() throws IOException {
        try (RawImapClient c = direct()) {
            assertTrue(login(c).startsWith("l OK"));
            assertTrue(RawImapClient.tagged(c.command("s", "SELECT INBOX")).startsWith("s OK"));
            // the backend streams at 1 MB/s, so the cut below lands while most of the message is still to come
            backendLeg.toxics().bandwidth("trickle", ToxicDirection.DOWNSTREAM, 1024);
            c.send("f FETCH 1 BODY[]\r\n");
            String line = c.readLine();
            while (!line.contains("BODY[] {")) {
                line = c.readLine();
            }
            byte[] head = c.readBytes(1024 * 1024);
            backendLeg.disable();
            byte[] rest = readToEnd(c.inputStream());
            assertTrue(head.length + rest.length < large.length, "the message was cut, not completed");
            byte[] received = concat(head, rest);
            assertArrayEquals(Arrays.copyOf(large, received.length), received,
                    "what arrived is exactly a prefix of the message: nothing reordered or invented");
        }
    }

    // ---- client leg ----------------------------------------------------------------------------------------------

    @Test
    void clientResetAtConnectLeavesNothing() throws IOException {
        clientLeg.toxics().resetPeer("reset", ToxicDirection.DOWNSTREAM, 0);
        boolean reset;
        try (RawImapClient c = throughClientLeg()) {
            reset = c.isClosedByPeer(Duration.ofSeconds(5));
        } catch (SocketException resetWhileOpening) {
            reset = true;
        }
        assertTrue(reset, "the toxic resets the client");
    }

    @Test
    void clientWhoseBytesNeverArriveIsClosedAtThePreAuthIdleTimeout() throws IOException {
        clientLeg.toxics().timeout("silent", ToxicDirection.UPSTREAM, 0);
        try (RawImapClient c = throughClientLeg()) {
            assertTrue(c.readLine().startsWith("* OK"));
            c.send("l LOGIN " + USER + " " + PASSWORD + "\r\n");
            String bye = c.readLine();
            assertTrue(bye.startsWith("* BYE"), bye);
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(10)), "Postern ends the silent pre-auth session");
        }
    }

    @Test
    void clientCutInsideItsLoginLineNeverReachesTheBackend() throws IOException {
        clientLeg.toxics().limitData("cut", ToxicDirection.UPSTREAM, "l LOGIN ".length() + USER.length());
        try (RawImapClient c = throughClientLeg()) {
            assertTrue(c.readLine().startsWith("* OK"));
            c.send("l LOGIN " + USER + " " + PASSWORD + "\r\n");
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)), "the toxic cuts the client");
        }
        assertTrue(TcpTable.openTo(ToxiproxyServer.port(backendLeg)) == 0, "no backend connection for half a line");
    }

    @Test
    void clientGoneWhileWeLogInAtTheBackendAbandonsThatLogin() throws IOException {
        backendLeg.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 3_000);
        RawImapClient c = direct();
        assertTrue(c.readLine().startsWith("* OK"));
        c.send("l LOGIN " + USER + " " + PASSWORD + "\r\n");
        await("Postern connecting to the backend").atMost(Duration.ofSeconds(5))
                .until(() -> TcpTable.openTo(ToxiproxyServer.port(backendLeg)) == 1);
        c.socket().setSoLinger(true, 0);
        c.close(); // a reset, while Postern waits for the slow greeting
        await("the backend connection closed at once, not at the backend login timeout")
                .atMost(BACKEND_LOGIN.dividedBy(2)).until(() -> TcpTable.openTo(ToxiproxyServer.port(backendLeg)) == 0);
    }

    @Test
    void clientResetWhileRelayingClosesTheBackendConnection() throws IOException {
        try (RawImapClient c = throughClientLeg()) {
            assertTrue(login(c).startsWith("l OK"));
            clientLeg.toxics().resetPeer("reset", ToxicDirection.UPSTREAM, 0);
            try {
                c.send("n NOOP\r\n");
            } catch (SocketException alreadyReset) {
                // either way the link is gone
            }
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void clientGoneSilentWhileRelayingEndsWhenItsConnectionEnds() throws IOException {
        try (RawImapClient c = throughClientLeg()) {
            assertTrue(login(c).startsWith("l OK"));
            clientLeg.toxics().timeout("silent", ToxicDirection.UPSTREAM, 1_000);
            c.send("n NOOP\r\n");
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(10)), "the toxic closes the link after a second");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static RawImapClient direct() throws IOException {
        return RawImapClient.plain("127.0.0.1", postern.plainPort()).timeout(Duration.ofSeconds(15));
    }

    private static RawImapClient throughClientLeg() throws IOException {
        return RawImapClient.plain("127.0.0.1", ToxiproxyServer.port(clientLeg)).timeout(Duration.ofSeconds(15));
    }

    private static String login(RawImapClient c) throws IOException {
        assertTrue(c.readLine().startsWith("* OK"));
        return RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD));
    }

    /** LOGIN straight to Postern is answered {@code NO [UNAVAILABLE]} within the backend login timeout and more. */
    private static void assertUnavailable() throws IOException {
        try (RawImapClient c = direct()) {
            long start = System.nanoTime();
            String answer = login(c);
            assertTrue(answer.startsWith("l NO [UNAVAILABLE]"), answer);
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(BACKEND_LOGIN.plusSeconds(3)) < 0,
                    "answered within the backend login timeout");
            assertTrue(RawImapClient.tagged(c.command("o", "LOGOUT")).startsWith("o OK"),
                    "the client's session is still usable");
        }
    }

    private static byte[] readToEnd(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
        } catch (IOException cutOff) {
            // a reset ends the stream too
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
