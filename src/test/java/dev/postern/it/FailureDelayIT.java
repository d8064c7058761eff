package dev.postern.it;

import static dev.postern.testing.RawImapClient.tagged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failure delays, penalties and the pre-auth deadline through Postern to a real Dovecot, on both TLS listeners:
 * an unknown user (no route, answered by Postern alone) and a wrong password (answered by Dovecot) take the same
 * time; the real user still logs in after an attacker elsewhere failed many times; a client that trickles bytes
 * and NOOPs is cut at the pre-auth deadline. Each client comes from its own loopback address, so one test's
 * failures never penalise another's.
 */
class FailureDelayIT {
    private static final Duration FAILURE_DELAY = Duration.ofMillis(500);
    private static final Duration PRE_AUTH = Duration.ofSeconds(1);
    private static final String WRONG = TestSecrets.register("Wrong-delay-it-5a6b");
    private static final String AUTH_FAILED = "NO [AUTHENTICATIONFAILED]";

    private static DovecotServer dovecot;
    /** No default pool: an unknown user has no route and is answered without a backend. */
    private static PosternHarness delays;
    private static PosternHarness deadline;

    @BeforeAll
    static void start() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder();
        StringBuilder routes = new StringBuilder();
        for (ClientListener listener : ClientListener.values()) {
            for (String base : List.of("kate", "victim")) {
                String user = listener.user(base);
                builder.user(user, ClientListener.password(user));
                routes.append("    ").append(user).append(": main\n");
            }
        }
        dovecot = builder.start();
        String backend = dovecot.host() + ":" + dovecot.port();
        delays = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["%s"]
                routes:
                  static:
                %slimits:
                  failure_delay: %dms
                  penalty: {max_delay: 2s, window: 10m, max_user_delay: 1s}
                """.formatted(backend, routes, FAILURE_DELAY.toMillis()));
        deadline = PosternHarness.start("timeouts: {pre_auth: %dms}\n".formatted(PRE_AUTH.toMillis()), backend);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {delays, deadline, dovecot}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Milliseconds from sending a LOGIN to its tagged reply, which must be a NO. */
    private static long failedLoginMillis(RawImapClient client, String user, String password) throws IOException {
        long started = System.nanoTime();
        List<String> reply = client.command("a", "LOGIN " + user + " " + password);
        long took = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tagged(reply).startsWith("a " + AUTH_FAILED), reply::toString);
        return took;
    }

    private static String address(ClientListener listener, int host) {
        return "127.0." + (10 + listener.ordinal()) + "." + host;
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void anUnknownUserAndAWrongPasswordTakeTheSameTime(ClientListener listener) throws IOException {
        long unknown;
        long wrong;
        try (RawImapClient client = listener.open(delays, address(listener, 1))) {
            unknown = failedLoginMillis(client, listener.user("ghost"), WRONG);
        }
        try (RawImapClient client = listener.open(delays, address(listener, 2))) {
            wrong = failedLoginMillis(client, listener.user("kate"), WRONG);
        }
        long floor = FAILURE_DELAY.toMillis();
        assertTrue(unknown >= floor && wrong >= floor, "both at least the failure delay: unknown user " + unknown
                + " ms, wrong password " + wrong + " ms");
        assertTrue(Math.abs(unknown - wrong) < floor / 2, "timing tells them apart: unknown user " + unknown
                + " ms, wrong password " + wrong + " ms");
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void theRealUserStillLogsInAfterAnAttackerElsewhereFailedManyTimes(ClientListener listener) throws IOException {
        String victim = listener.user("victim");
        String attacker = address(listener, 50);
        long last = 0;
        for (int i = 0; i < 4; i++) {
            try (RawImapClient client = listener.open(delays, attacker)) {
                last = failedLoginMillis(client, victim, WRONG);
            }
        }
        assertTrue(last >= 2_000, "the attacker's address is slowed to max_delay: " + last + " ms");

        try (RawImapClient client = listener.open(delays, address(listener, 60))) {
            long own = failedLoginMillis(client, victim, WRONG);
            assertTrue(own >= 1_000 && own < 2_000, "the user's own typo waits max_user_delay, not the attacker's "
                    + "delay: " + own + " ms");
            long started = System.nanoTime();
            List<String> ok = client.command("b", "LOGIN " + victim + " " + ClientListener.password(victim));
            long took = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tagged(ok).startsWith("b OK "), ok::toString);
            assertTrue(took < 1_000, "a success is never delayed (the user's delay is 1 s now): " + took + " ms");
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aTricklingClientIsCutAtThePreAuthDeadline(ClientListener listener) throws Exception {
        long connected = System.nanoTime();
        try (RawImapClient client = listener.open(deadline)) {
            client.send("n");
            client.timeout(Duration.ofMillis(150));
            String bye = null;
            for (int i = 0; i < 40 && bye == null; i++) {
                client.send(" NOOP\r\nn");
                try {
                    for (String line = client.readLine(); ; line = client.readLine()) {
                        if (line.startsWith("* BYE")) {
                            bye = line;
                            break;
                        }
                        assertEquals("n OK NOOP completed.", line);
                    }
                } catch (java.net.SocketTimeoutException quiet) {
                    // nothing more yet: trickle on
                }
            }
            long took = (System.nanoTime() - connected) / 1_000_000;
            assertEquals("* BYE Too long without logging in, disconnecting", bye);
            assertTrue(took >= PRE_AUTH.toMillis() && took < PRE_AUTH.toMillis() + 2_000,
                    "cut " + took + " ms after connect");
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }
}
