package dev.postern.frontend;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.LimitsConfig;
import dev.postern.imap.CommandFrame;
import dev.postern.imap.Credentials;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.SessionContext;
import dev.postern.testing.TestSecrets;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The login in flight on a real channel and framer: creating it pauses reading, the gateway's answer resumes it
 * only when the session goes on, and an abandoned login is cancelled and never heard of again.
 */
class LoginInFlightTest {
    private static final String PASSWORD = TestSecrets.register("InFlight-Secret-9");
    private static final SessionContext SESSION = SessionContext.create("plain", null, null);

    private final ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(LimitsConfig.DEFAULTS));
    private final EmbeddedChannel ch = new EmbeddedChannel(framer);
    private final List<Promise<LoginResult>> promises = new ArrayList<>();
    private final List<Integer> attempts = new ArrayList<>();
    private final BackendGateway gateway = new BackendGateway() {
        @Override
        public Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt,
                                         EventLoop loop) {
            assertSame(SESSION, session);
            assertSame(ch.eventLoop(), loop);
            attempts.add(attempt);
            Promise<LoginResult> p = loop.newPromise();
            promises.add(p);
            return p;
        }
    };
    /** What the listener heard, and what it answers (true: read commands again). */
    private final List<Future<LoginResult>> heard = new ArrayList<>();
    private boolean readOn = true;
    private final LoginInFlight.Listener listener = (login, result) -> {
        heard.add(result);
        return readOn;
    };

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static Credentials credentials() {
        return new Credentials("alice".getBytes(ISO_8859_1), PASSWORD.getBytes(ISO_8859_1));
    }

    private void send(String text) {
        ch.writeInbound(ch.alloc().buffer().writeBytes(text.getBytes(ISO_8859_1)));
    }

    /** The first line of each frame the framer passed on. */
    private List<String> frames() {
        List<String> out = new ArrayList<>();
        for (Object msg; (msg = ch.readInbound()) != null; ) {
            out.add(new String(assertInstanceOf(CommandFrame.class, msg).lines().get(0), ISO_8859_1));
            ReferenceCountUtil.release(msg);
        }
        return out;
    }

    @Test
    void creatingItStopsReadingAndKeepsWhatArrivesInOrder() {
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        assertFalse(ch.config().isAutoRead());
        send("b NOOP\r\nc NOOP\r\n");
        assertEquals(List.of(), frames());
        assertEquals(16, framer.bufferedBytes());
        assertEquals("a", login.tag());
        assertEquals("alice", login.user());
    }

    @Test
    void aFailedLoginTheSessionGoesOnWithResumesReadingAndFramesWhatWaited() {
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials(), 2);
        send("b NOOP\r\nc NOOP\r\n");
        promises.get(0).setSuccess(new LoginResult.Rejected("[AUTHENTICATIONFAILED] no"));
        assertEquals(1, heard.size());
        assertTrue(ch.config().isAutoRead());
        assertEquals(List.of("b NOOP", "c NOOP"), frames());
        assertEquals(List.of(2), attempts);
    }

    @Test
    void whenTheListenerTakesReadingOverNothingIsResumedHere() {
        readOn = false;
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials(), 1);
        send("b NOOP\r\n");
        promises.get(0).setFailure(new IllegalStateException("backend gone"));
        assertEquals(1, heard.size());
        assertFalse(ch.config().isAutoRead());
        assertEquals(List.of(), frames());
        assertEquals(8, framer.bufferedBytes());
    }

    @Test
    void theCredentialsAreWipedOnceTheGatewayHasAnswered() {
        Credentials credentials = credentials();
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials, 1);
        assertArrayEquals(PASSWORD.getBytes(ISO_8859_1), credentials.password(), "the backend still needs it");
        promises.get(0).setSuccess(new LoginResult.Rejected("no"));
        assertArrayEquals(new byte[PASSWORD.length()], credentials.password());
    }

    @Test
    void abandoningCancelsTheAttemptAndTheListenerNeverHears() {
        Credentials credentials = credentials();
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials, 1);
        login.abandon();
        assertTrue(promises.get(0).isCancelled());
        assertEquals(List.of(), heard);
        assertFalse(ch.config().isAutoRead(), "the session is closing: reading stays off");
        assertArrayEquals(new byte[PASSWORD.length()], credentials.password());
    }

    @Test
    void aBackendThatLogsInAfterTheLoginWasAbandonedIsClosed() {
        assertALateBackendIsClosed(login -> {
            promises.get(0).setUncancellable(); // the attempt is past the point where cancelling stops it
            login.abandon();
        });
    }

    @Test
    void aLoginAnsweredAfterTheClientLeftIsNotHeardAndItsBackendIsClosed() {
        assertALateBackendIsClosed(login -> ch.close());
    }

    /** After {@code end}, a backend that logs in anyway is closed and the listener hears nothing. */
    private void assertALateBackendIsClosed(java.util.function.Consumer<LoginInFlight> end) {
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials(), 1);
        end.accept(login);
        EmbeddedChannel backend = new EmbeddedChannel();
        try {
            promises.get(0).setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
            assertFalse(backend.isOpen());
            assertEquals(List.of(), heard);
        } finally {
            backend.finishAndReleaseAll();
        }
    }

    @Test
    void abandoningAfterTheAnswerChangesNothing() {
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        login.start(gateway, SESSION, credentials(), 1);
        promises.get(0).setSuccess(new LoginResult.Rejected("no"));
        login.abandon();
        assertEquals(1, heard.size());
        assertTrue(ch.config().isAutoRead());
        assertFalse(promises.get(0).isCancelled());
    }

    @Test
    void aGatewayThatAnswersAtOnceIsHeardOnlyAfterStart() {
        BackendGateway immediate = (session, credentials, attempt, loop) ->
                loop.newSucceededFuture(new LoginResult.Rejected("no"));
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        assertEquals(List.of(), heard);
        login.start(immediate, SESSION, credentials(), 1);
        assertEquals(1, heard.size());
        assertTrue(ch.config().isAutoRead());
    }

    @Test
    void aHalfCloseDuringTheLoginIsRemembered() {
        LoginInFlight login = new LoginInFlight(ch, framer, "a", credentials(), listener);
        assertFalse(login.isClientInputShut());
        login.clientInputShut();
        assertTrue(login.isClientInputShut());
        assertNull(ch.readInbound());
    }
}
