package dev.postern.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.auth.LoginPenalties;
import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.PenaltyConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.frontend.PreAuthHandlerTest.Session;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Failure delays and the pre-auth deadline on the real pipeline ({@link PreAuthHandlerTest.Session}), on the
 * channel's own clock: every kind of failed login is answered exactly the failure delay after its credentials
 * arrived, the client is not read meanwhile, a client that leaves costs nothing more, and the pre-auth deadline is
 * total from connect.
 */
class PreAuthFailureDelayTest {
    private static final ListenerConfig PLAIN =
            ListenerConfig.of(Map.of("name", "plain", "bind", "127.0.0.1:1143", "tls", "none"));
    private static final String PASSWORD = TestSecrets.register("Delay-Pw-4e5f");
    private static final String AUTH_FAILED = "[AUTHENTICATIONFAILED] Authentication failed.";
    private static final Duration DELAY = Duration.ofSeconds(2);
    private static final TimeoutsConfig LONG_PRE_AUTH = TimeoutsConfig.of(Map.of("pre_auth", "10m"));

    private static LoginPenalties penalties() {
        return new LoginPenalties(DELAY, PenaltyConfig.DEFAULTS, 64, a -> false, s -> s, Ticker.systemTicker(),
                ProxyMetrics.NOOP);
    }

    private static Session session(LimitsConfig limits, TimeoutsConfig timeouts) {
        Session s = new Session(PLAIN, limits, timeouts, penalties());
        s.lines();
        return s;
    }

    private static Session session() {
        return session(LimitsConfig.DEFAULTS, LONG_PRE_AUTH);
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code input}, lets {@code answer} complete the login (if any), and checks {@code reply} is due at 2 s. */
    private static void assertAnsweredAfterTheDelay(String input, Consumer<Session> answer, List<String> reply) {
        try (Session s = session()) {
            s.send(input);
            s.advance(300);
            answer.accept(s);
            s.advance(DELAY.toMillis() - 300 - 1);
            assertEquals(List.of(), s.lines(), input);
            assertFalse(s.ch.config().isAutoRead(), "the client is not read while its reply waits");
            s.advance(1);
            assertEquals(reply, s.lines(), input);
            assertTrue(s.ch.config().isAutoRead(), "reading resumes after the reply");
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void aWrongPasswordIsAnsweredTheFailureDelayAfterTheCommandNotAfterTheBackend() {
        assertAnsweredAfterTheDelay("a LOGIN alice wrong\r\n",
                s -> s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED)),
                List.of("a NO " + AUTH_FAILED));
    }

    @Test
    void anUnknownUserIsAnsweredAfterTheSameDelay() {
        assertAnsweredAfterTheDelay("a LOGIN nobody " + PASSWORD + "\r\n",
                s -> s.gateway.last().promise().setFailure(
                        new ProxyFailureException(ProxyFailure.AUTH_REJECTED, "no route")),
                List.of("a NO " + AUTH_FAILED));
    }

    @Test
    void aRouteSourcesRefusalWaitsTheFailureDelayOrItsOwnWaitWhicheverIsLonger() {
        assertAnsweredAfterTheDelay("a LOGIN eve " + PASSWORD + "\r\n",
                s -> s.gateway.last().promise().setSuccess(
                        new LoginResult.Rejected("[AUTHENTICATIONFAILED] Account locked", Duration.ofSeconds(1))),
                List.of("a NO [AUTHENTICATIONFAILED] Account locked"));
        try (Session s = session()) {
            s.send("a LOGIN eve " + PASSWORD + "\r\n");
            s.gateway.last().promise().setSuccess(
                    new LoginResult.Rejected("[AUTHENTICATIONFAILED] Account locked", Duration.ofSeconds(5)));
            s.advance(4_999);
            assertEquals(List.of(), s.lines());
            s.advance(1);
            assertEquals(List.of("a NO [AUTHENTICATIONFAILED] Account locked"), s.lines());
        }
    }

    @Test
    void credentialsWithForbiddenBytesAreAnsweredAfterTheSameDelay() {
        String invalid = "NO [AUTHENTICATIONFAILED] Invalid characters in user name or password";
        assertAnsweredAfterTheDelay("a LOGIN {5+}\r\nal\nce " + PASSWORD + "\r\n", s -> { }, List.of("a " + invalid));
        assertAnsweredAfterTheDelay("a AUTHENTICATE PLAIN " + plain("alice", "pass\r\nword") + "\r\n", s -> { },
                List.of("a " + invalid));
    }

    @Test
    void malformedSaslIsAnsweredAfterTheSameDelay() {
        assertAnsweredAfterTheDelay("a AUTHENTICATE PLAIN !!!!\r\n", s -> { }, List.of("a BAD Invalid base64 data"));
        assertAnsweredAfterTheDelay("a AUTHENTICATE PLAIN " + Base64.getEncoder().encodeToString(
                "no-nuls".getBytes(StandardCharsets.US_ASCII)) + "\r\n", s -> { },
                List.of("a BAD Invalid PLAIN message (expected: authzid NUL authcid NUL password)"));
    }

    /** The delay runs from the response that completed (or broke) the exchange, not from the AUTHENTICATE line. */
    @Test
    void anAuthenticateExchangeIsTimedFromItsLastResponse() {
        try (Session s = session()) {
            s.send("a AUTHENTICATE PLAIN\r\n");
            assertEquals(List.of("+ "), s.lines());
            s.advance(10_000);
            s.send("!!!!\r\n");
            s.advance(DELAY.toMillis() - 1);
            assertEquals(List.of(), s.lines());
            s.advance(1);
            assertEquals(List.of("a BAD Invalid base64 data"), s.lines());
        }
    }

    @Test
    void aCancelledExchangeATemporaryFailureAndASuccessAreNotDelayed() {
        try (Session s = session()) {
            s.send("a AUTHENTICATE PLAIN\r\n*\r\n");
            assertEquals(List.of("+ ", "a BAD Authentication cancelled"), s.lines());
            s.send("b LOGIN alice " + PASSWORD + "\r\n");
            s.gateway.last().promise().setFailure(new ProxyFailureException(ProxyFailure.CONNECT, "refused"));
            assertEquals(List.of("b NO " + ProxyFailure.CONNECT.clientText()), s.lines());
            s.send("c LOGIN alice " + PASSWORD + "\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected("[UNAVAILABLE] Try later"));
            assertEquals(List.of("c NO [UNAVAILABLE] Try later"), s.lines(), "a backend's own temporary NO");
        }
    }

    @Test
    void aBackendSlowerThanTheDelayIsAnsweredAtOnce() {
        try (Session s = session()) {
            s.send("a LOGIN alice wrong\r\n");
            s.advance(3_000);
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
        }
    }

    @Test
    void commandsPipelinedBehindADelayedFailureAreAnsweredAfterItInOrder() {
        try (Session s = session()) {
            s.send("a LOGIN alice wrong\r\nb NOOP\r\nc CAPABILITY\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            s.advance(DELAY.toMillis() - 1);
            s.send("d NOOP\r\n");
            assertEquals(List.of(), s.lines());
            s.advance(1);
            List<String> lines = s.lines();
            assertEquals(List.of("a NO " + AUTH_FAILED, "b OK NOOP completed."), lines.subList(0, 2));
            assertEquals("d OK NOOP completed.", lines.get(lines.size() - 1));
        }
    }

    @Test
    void aClientThatLeavesDuringItsDelayLeavesNothingScheduled() {
        try (Session s = session()) {
            s.send("a LOGIN alice wrong\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of(), s.lines());
            s.ch.close();
            assertEquals(-1, s.ch.runScheduledPendingTasks(), "no task left on the event loop");
            s.advance(DELAY.toMillis() * 10);
            assertEquals(List.of(), s.lines(), "nothing is written to a closed channel");
        }
    }

    @Test
    void aHalfCloseDuringTheDelayGetsTheReplyThenTheClose() {
        try (Session s = session()) {
            s.send("a LOGIN alice wrong\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            s.ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            assertTrue(s.ch.isOpen());
            s.advance(DELAY.toMillis());
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    @Test
    void theLastAllowedFailureClosesOnlyAfterItsDelay() {
        LimitsConfig twoAttempts = LimitsConfig.DEFAULTS.with(Map.of("max_login_attempts", 2));
        try (Session s = session(twoAttempts, LONG_PRE_AUTH)) {
            s.send("a LOGIN alice wrong\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            s.advance(DELAY.toMillis());
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
            s.send("b LOGIN alice wrong\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            // alice's second failure: the user's delay has doubled to 4 s (its ceiling).
            s.advance(4_000 - 1);
            assertEquals(List.of(), s.lines());
            assertTrue(s.ch.isOpen());
            s.advance(1);
            assertEquals(List.of("b NO " + AUTH_FAILED, "* BYE Too many failed logins, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    // ---------------------------------------------------------------- timeouts.pre_auth

    private static final TimeoutsConfig PRE_AUTH_10S = TimeoutsConfig.of(Map.of("pre_auth", "10s"));

    @Test
    void thePreAuthDeadlineIsTotalFromConnectWhateverTheClientSends() {
        try (Session s = session(LimitsConfig.DEFAULTS, PRE_AUTH_10S)) {
            for (int i = 0; i < 3; i++) {
                s.advance(3_000);
                s.send("n" + i + " NOOP\r\n");
                s.send("x");
            }
            s.advance(999);
            assertEquals(List.of("n0 OK NOOP completed.", "xn1 OK NOOP completed.", "xn2 OK NOOP completed."),
                    s.lines());
            assertTrue(s.ch.isActive());
            s.advance(1);
            assertEquals(List.of("* BYE Too long without logging in, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of("pre_auth_deadline"), s.metrics.limits);
        }
    }

    @Test
    void aLoginThatArrivedInTimeFinishesButNoRetryIsAllowedAfterTheDeadline() {
        try (Session s = session(LimitsConfig.DEFAULTS, PRE_AUTH_10S)) {
            s.advance(9_000);
            s.send("a LOGIN alice wrong\r\n");
            s.advance(1_500);
            assertTrue(s.ch.isActive(), "a login under way is not cut");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            s.advance(500);
            assertEquals(List.of("a NO " + AUTH_FAILED, "* BYE Too long without logging in, disconnecting"),
                    s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    @Test
    void anAuthenticateExchangeUnderWayIsNotCutByTheDeadlineButByTheLoginTimeout() {
        TimeoutsConfig timeouts = TimeoutsConfig.of(Map.of("pre_auth", "10s", "login", "30s", "pre_auth_idle", "10m"));
        try (Session s = session(LimitsConfig.DEFAULTS, timeouts)) {
            s.advance(9_000);
            s.send("a AUTHENTICATE PLAIN\r\n");
            assertEquals(List.of("+ "), s.lines());
            s.advance(29_999);
            assertTrue(s.ch.isActive());
            s.advance(1);
            assertEquals(List.of("* BYE Login timeout, disconnecting"), s.lines());
        }
    }

    @Test
    void theLoginTimeoutRunsFromTheLoginCommandNotFromConnect() {
        TimeoutsConfig timeouts = TimeoutsConfig.of(Map.of("pre_auth", "1m", "login", "30s", "pre_auth_idle", "10m"));
        try (Session s = session(LimitsConfig.DEFAULTS, timeouts)) {
            s.advance(50_000);
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.advance(29_999);
            assertTrue(s.ch.isActive(), "50 s after connect and 30 s after LOGIN: not yet");
            s.advance(1);
            assertEquals(List.of("* BYE Login timeout, disconnecting"), s.lines());
            assertTrue(s.gateway.last().promise().isCancelled());
        }
    }
}
