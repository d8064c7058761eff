package dev.postern.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.imap.Credentials;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.route.BackendHealth;
import dev.postern.session.LoginResult;
import dev.postern.session.SessionContext;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The failover loop over a stub {@link BackendLoginStep} whose attempts the test completes, on an
 * {@link EmbeddedChannel}'s event loop: the order backends are tried in, failover only before the credentials were
 * sent, cancellation when the client leaves, and which outcomes reach {@link BackendHealth}.
 */
class RoutedLoginTest {
    private static final HostPort A = HostPort.parse("10.0.0.1:143");
    private static final HostPort B = HostPort.parse("10.0.0.2:143");
    private static final HostPort C = HostPort.parse("10.0.0.3:143");
    /** One failure takes a backend down, so a recorded failure shows in {@link BackendHealth#isUp}. */
    private static final HealthConfig FALL_ONE = new HealthConfig(false, Duration.ofHours(1), Duration.ofSeconds(1), 1, 1);

    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    private final EventLoop loop = loopChannel.eventLoop();
    private final BackendHealth health = new BackendHealth();
    /** A holds one connection at most; B and C are uncapped. */
    private final SessionCaps caps = new SessionCaps(Integer.MAX_VALUE, Map.of(A, 1), ProxyMetrics.NOOP);
    private final Credentials credentials = new Credentials("alice".getBytes(UTF_8), "pw".getBytes(UTF_8));
    private final List<Attempt> attempts = new ArrayList<>();
    private final Promise<LoginResult> promise = loop.newPromise();
    private final List<EmbeddedChannel> backendChannels = new ArrayList<>();

    private record Attempt(HostPort target, Credentials credentials, Promise<LoginResult> result) {
    }

    private final BackendLoginStep step = (target, creds, session, eventLoop) -> {
        Promise<LoginResult> result = eventLoop.newPromise();
        attempts.add(new Attempt(target, creds, result));
        return result;
    };

    RoutedLoginTest() {
        for (HostPort b : List.of(A, B, C)) {
            health.register(b, FALL_ONE, false);
        }
    }

    @AfterEach
    void finish() {
        backendChannels.forEach(EmbeddedChannel::finishAndReleaseAll);
        loopChannel.finishAndReleaseAll();
    }

    private void start(HostPort... order) {
        new RoutedLogin(SessionContext.create("session1", null, null), credentials, List.of(order), loop, step, health, caps, promise).start();
        loopChannel.runPendingTasks();
    }

    private List<HostPort> tried() {
        return attempts.stream().map(Attempt::target).toList();
    }

    private Attempt last() {
        return attempts.get(attempts.size() - 1);
    }

    private static ProxyFailureException before(ProxyFailure failure) {
        return new ProxyFailureException(failure, "test: " + failure.tag());
    }

    private static ProxyFailureException after(ProxyFailure failure) {
        return new ProxyFailureException(failure, "test: " + failure.tag() + " after login sent", null, true);
    }

    private LoginResult.LoggedIn loggedIn(HostPort backend) {
        EmbeddedChannel channel = new EmbeddedChannel();
        backendChannels.add(channel);
        return new LoginResult.LoggedIn(channel, backend.toString(), List.of("IMAP4rev1"));
    }

    @Test
    void theFirstBackendIsTriedFirstWithTheCredentials() {
        start(B, A, C);
        assertEquals(List.of(B), tried());
        assertSame(credentials, last().credentials());
        LoginResult.LoggedIn in = loggedIn(B);
        last().result().setSuccess(in);
        assertSame(in, promise.getNow());
        assertEquals(List.of(B), tried(), "a backend was tried after a success");
    }

    @Test
    void failuresBeforeCredentialsFailOverInOrderAndCountAgainstHealth() {
        start(A, B, C);
        last().result().setFailure(before(ProxyFailure.CONNECT));
        last().result().setFailure(before(ProxyFailure.TLS));
        assertEquals(List.of(A, B, C), tried());
        assertFalse(promise.isDone());
        last().result().setSuccess(loggedIn(C));
        assertTrue(promise.isSuccess());
        assertFalse(health.isUp(A), "A's connect failure was not recorded");
        assertFalse(health.isUp(B), "B's TLS failure was not recorded");
        assertTrue(health.isUp(C));
        assertEquals(1, health.sessions(C));
    }

    @Test
    void greetingTimeoutAndProtocolFailuresBeforeCredentialsFailOverToo() {
        start(A, B, C);
        last().result().setFailure(before(ProxyFailure.TIMEOUT));
        last().result().setFailure(before(ProxyFailure.PROTOCOL));
        assertEquals(List.of(A, B, C), tried());
    }

    @Test
    void whenEveryBackendFailsTheLastFailureIsTheAnswer() {
        start(A, B);
        last().result().setFailure(before(ProxyFailure.CONNECT));
        ProxyFailureException lastFailure = before(ProxyFailure.TIMEOUT);
        last().result().setFailure(lastFailure);
        assertSame(lastFailure, promise.cause());
        assertFalse(health.isUp(A));
        assertFalse(health.isUp(B));
    }

    @Test
    void aFailureAfterTheCredentialsWereSentNeitherFailsOverNorCountsAgainstHealth() {
        for (ProxyFailure kind : List.of(ProxyFailure.CONNECT, ProxyFailure.TIMEOUT, ProxyFailure.PROTOCOL)) {
            attempts.clear();
            Promise<LoginResult> answer = loop.newPromise();
            new RoutedLogin(SessionContext.create("s", null, null), credentials, List.of(A, B), loop, step, health, caps, answer).start();
            ProxyFailureException failure = after(kind);
            last().result().setFailure(failure);
            assertEquals(List.of(A), tried(), kind + ": the credentials went to a second backend");
            assertSame(failure, answer.cause());
            assertTrue(health.isUp(A), kind + " after the credentials counted against A");
        }
    }

    @Test
    void aRejectionEndsTheLoginAndCountsAsASuccessfulContact() {
        health.recordFailure(A, "earlier");
        assertFalse(health.isUp(A));
        start(A, B);
        last().result().setSuccess(new LoginResult.Rejected("[AUTHENTICATIONFAILED] nope"));
        assertEquals(List.of(A), tried());
        assertEquals(new LoginResult.Rejected("[AUTHENTICATIONFAILED] nope"), promise.getNow());
        assertTrue(health.isUp(A), "the backend answered, so it is up (rise 1)");
        assertEquals(0, health.sessions(A));
    }

    @Test
    void aFailureThatNoOtherBackendCanFixEndsTheLogin() {
        start(A, B);
        last().result().setFailure(new IllegalStateException("a bug"));
        assertEquals(List.of(A), tried());
        assertEquals(ProxyFailure.INTERNAL, assertInstanceOf(ProxyFailureException.class, promise.cause()).failure());
        assertTrue(health.isUp(A), "Postern's own failure counted against the backend");
    }

    @Test
    void theClientLeavingCancelsTheAttemptInFlightAndTriesNoOther() {
        start(A, B);
        last().result().setFailure(before(ProxyFailure.CONNECT));
        Promise<LoginResult> inFlight = last().result();
        promise.cancel(false);
        assertTrue(inFlight.isCancelled(), "the attempt in flight was not cancelled");
        assertEquals(List.of(A, B), tried());
        assertTrue(health.isUp(B), "a cancelled attempt counted against the backend");
    }

    @Test
    void aSessionThatEndsIsCountedOff() {
        start(A);
        LoginResult.LoggedIn in = loggedIn(A);
        last().result().setSuccess(in);
        assertEquals(1, health.sessions(A));
        in.backend().close();
        assertEquals(0, health.sessions(A));
    }

    @Test
    void aFullBackendIsSkippedLikeADownOneWithoutBlamingIt() {
        start(A);
        LoginResult.LoggedIn first = loggedIn(A);
        last().result().setSuccess(first);
        assertEquals(1, caps.openOn(A));

        Promise<LoginResult> second = loop.newPromise();
        new RoutedLogin(SessionContext.create("s2", null, null), credentials, List.of(A, B), loop, step, health, caps, second).start();
        assertEquals(List.of(A, B), tried(), "the full backend was contacted");
        assertTrue(health.isUp(A), "a full backend counted as a failure");
        last().result().setSuccess(loggedIn(B));
        assertTrue(second.isSuccess());

        first.backend().close();
        assertEquals(0, caps.openOn(A), "the relayed session's slot was not given back");
    }

    @Test
    void whenEveryBackendIsFullTheLoginIsUnavailable() {
        start(A);
        last().result().setSuccess(loggedIn(A));
        Promise<LoginResult> second = loop.newPromise();
        new RoutedLogin(SessionContext.create("s2", null, null), credentials, List.of(A), loop, step, health, caps, second).start();
        assertEquals(1, attempts.size(), "the full backend was contacted");
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, second.cause());
        assertTrue(failure.failure().clientText().startsWith("[UNAVAILABLE]"), failure.failure().clientText());
        assertFalse(failure.credentialsSent());
    }

    @Test
    void aLoginInProgressHoldsItsBackendsSlotUntilItFails() {
        start(A);
        assertEquals(1, caps.openOn(A), "a login in progress is an open connection");
        last().result().setFailure(after(ProxyFailure.TIMEOUT));
        assertEquals(0, caps.openOn(A));
        Promise<LoginResult> again = loop.newPromise();
        new RoutedLogin(SessionContext.create("s2", null, null), credentials, List.of(A), loop, step, health, caps, again).start();
        last().result().setSuccess(new LoginResult.Rejected("[AUTHENTICATIONFAILED] nope"));
        assertEquals(0, caps.openOn(A), "a rejected login kept its slot");
    }

    @Test
    void aCancelledAttemptGivesItsSlotBack() {
        start(A);
        promise.cancel(false);
        assertEquals(0, caps.openOn(A));
    }

    @Test
    void aSessionTheClientLeftBeforeItsAnswerGivesItsSlotBack() {
        start(A);
        promise.setFailure(new IllegalStateException("the client left"));
        LoginResult.LoggedIn late = loggedIn(A);
        last().result().setSuccess(late);
        assertFalse(late.backend().isOpen(), "the unwanted backend was left open");
        assertEquals(0, caps.openOn(A));
    }

    @Test
    void aRelayedSessionKeepsNothingOfItsLogin() throws InterruptedException {
        // The backend channel lives as long as the session: what its close listeners hold stays with it. They must
        // not hold the login (its result, the backend's capabilities: about 2 KiB a session once thousands idle).
        RoutedLogin login = new RoutedLogin(SessionContext.create("s3", null, null), credentials, List.of(B), loop,
                step, health, caps, promise);
        login.start();
        last().result().setSuccess(loggedIn(B));
        assertTrue(promise.isSuccess());
        WeakReference<RoutedLogin> weak = new WeakReference<>(login);
        login = null;
        for (int i = 0; i < 50 && weak.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(weak.get(), "the relayed session's backend channel still holds its RoutedLogin");
        assertTrue(backendChannels.get(0).isOpen());
    }
}
