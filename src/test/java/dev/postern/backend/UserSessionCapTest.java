package dev.postern.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.imap.Credentials;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.route.BackendHealth;
import dev.postern.route.Router;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.testing.TestRouters;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.max_sessions_per_user} at the gateway, over a stub {@link BackendLoginStep}: a user at the cap gets
 * {@code [LIMIT]} without a backend being contacted, counted by route key, the slot coming back when a session's
 * backend channel closes or a login fails.
 */
class UserSessionCapTest {
    private static final HostPort A = HostPort.parse("10.0.0.1:143");

    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    private final EventLoop loop = loopChannel.eventLoop();
    private final List<Promise<LoginResult>> attempts = new ArrayList<>();
    private final List<EmbeddedChannel> backends = new ArrayList<>();
    private final SessionCaps caps = new SessionCaps(2, Map.of(), ProxyMetrics.NOOP);
    private final BackendConnector connector;

    UserSessionCapTest() {
        Router router = TestRouters.toPool(PoolConfig.of("main", Map.of("backends", List.of(A))),
                new BackendHealth());
        BackendLoginStep step = (target, credentials, session, eventLoop) -> {
            Promise<LoginResult> p = eventLoop.newPromise();
            attempts.add(p);
            return p;
        };
        connector = new BackendConnector(router, step, caps);
    }

    @AfterEach
    void finish() {
        backends.forEach(EmbeddedChannel::finishAndReleaseAll);
        loopChannel.finishAndReleaseAll();
    }

    private Future<LoginResult> login(String user) {
        SessionContext session = SessionContext.create("test", new InetSocketAddress("127.0.0.1", 40000), null);
        Future<LoginResult> f = connector.login(session, new Credentials(user.getBytes(UTF_8), "pw".getBytes(UTF_8)),
                1, loop);
        loopChannel.runPendingTasks();
        return f;
    }

    private EmbeddedChannel loggedIn() {
        EmbeddedChannel backend = new EmbeddedChannel();
        backends.add(backend);
        attempts.get(attempts.size() - 1).setSuccess(new LoginResult.LoggedIn(backend, A.toString(), List.of()));
        loopChannel.runPendingTasks();
        return backend;
    }

    @Test
    void aUserAtTheCapGetsLimitWithoutReachingABackend() {
        login("kate@example.org");
        EmbeddedChannel first = loggedIn();
        login("Kate@Example.org ");
        loggedIn();
        assertEquals(2, caps.sessionsOf("kate@example.org"), "spellings of one user were counted apart");

        Future<LoginResult> third = login("KATE@example.org");
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, third.cause());
        assertEquals(ProxyFailure.LIMIT, failure.failure());
        assertTrue(failure.failure().clientText().startsWith("[LIMIT]"));
        assertEquals(2, attempts.size(), "the refused login reached a backend");

        Future<LoginResult> other = login("bob@example.org");
        loggedIn();
        assertTrue(other.isSuccess(), "another user was capped too");

        first.close();
        assertEquals(1, caps.sessionsOf("kate@example.org"));
        login("kate@example.org");
        assertEquals(4, attempts.size(), "a closed session's slot did not come back");
    }

    @Test
    void aFailedOrCancelledLoginGivesTheSlotBack() {
        login("kate@example.org");
        attempts.get(0).setSuccess(new LoginResult.Rejected("[AUTHENTICATIONFAILED] nope"));
        loopChannel.runPendingTasks();
        assertEquals(0, caps.sessionsOf("kate@example.org"));

        Future<LoginResult> pending = login("kate@example.org");
        assertEquals(1, caps.sessionsOf("kate@example.org"), "a login in progress holds a slot");
        pending.cancel(false);
        loopChannel.runPendingTasks();
        assertEquals(0, caps.sessionsOf("kate@example.org"));
    }
}
