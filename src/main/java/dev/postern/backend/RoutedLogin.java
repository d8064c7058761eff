package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.imap.Credentials;
import dev.postern.route.BackendHealth;
import dev.postern.session.CappedCounts;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import dev.postern.session.SessionContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One login over the user's backends, tried in order on the client's event loop (same thread, no locks) until
 * one answers. A backend that fails before the credentials were sent to it (resolve, connect, greeting, TLS,
 * STARTTLS, a timeout meanwhile) counts against its health and the next one is tried. Once the credentials were
 * sent, whatever happens there (an answer, {@code * BYE}, a timeout, garbage, a close) is this login's answer:
 * no other backend sees the password and the backend's health is not blamed. A backend's NO ends the login too
 * (another would say the same). Cancelling the promise (the client left) stops the attempt in flight.
 *
 * <p>Each attempt holds a connection slot of its backend ({@link SessionCaps}) from before the connect until the
 * attempt fails, or until the relayed session's backend channel closes. A full backend is skipped like a down one,
 * without counting against its health; when every remaining backend is full the login gets {@code [UNAVAILABLE]}.
 */
final class RoutedLogin {
    private static final Logger LOG = LoggerFactory.getLogger(RoutedLogin.class);

    private final SessionContext session;
    private final String sessionId;
    private final Credentials credentials;
    private final List<HostPort> backends;
    private final EventLoop loop;
    private final BackendLoginStep step;
    private final BackendHealth health;
    private final SessionCaps caps;
    private final Promise<LoginResult> promise;
    /** The backend being tried. */
    private int index;
    private Future<LoginResult> inFlight;

    /** @param backends the user's order, best first; not empty */
    RoutedLogin(SessionContext session, Credentials credentials, List<HostPort> backends, EventLoop loop,
                BackendLoginStep step, BackendHealth health, SessionCaps caps, Promise<LoginResult> promise) {
        this.session = session;
        this.sessionId = session.id();
        this.credentials = credentials;
        this.backends = List.copyOf(backends);
        this.loop = loop;
        this.step = step;
        this.health = health;
        this.caps = caps;
        this.promise = promise;
    }

    /** Tries the first backend; on the event loop. */
    void start() {
        promise.addListener(f -> {
            if (f.isCancelled() && inFlight != null) {
                inFlight.cancel(false);
            }
        });
        tryCurrent();
    }

    private void tryCurrent() {
        if (promise.isDone()) {
            return;
        }
        HostPort backend = backends.get(index);
        CappedCounts<HostPort>.Lease slot = caps.backend(backend);
        if (slot == null) {
            LOG.debug("[{}] backend {} is full (max_connections_per_backend)", sessionId, backend);
            if (index + 1 < backends.size()) {
                index++;
                tryCurrent();
            } else {
                promise.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                        "every remaining backend is full (max_connections_per_backend)"));
            }
            return;
        }
        inFlight = step.login(backend, credentials, session, loop);
        inFlight.addListener((Future<LoginResult> f) -> onAnswer(backend, slot, f));
    }

    private void onAnswer(HostPort backend, CappedCounts<HostPort>.Lease slot, Future<LoginResult> answer) {
        if (answer.isSuccess() && answer.getNow() instanceof LoginResult.LoggedIn in) {
            in.backend().closeFuture().addListener(closed -> slot.release());
        } else {
            slot.release();
        }
        if (answer.isCancelled()) {
            return; // cancelled with the promise
        }
        if (answer.isSuccess()) {
            LoginResult result = answer.getNow();
            health.recordSuccess(backend);
            if (result instanceof LoginResult.LoggedIn in) {
                health.sessionOpened(backend);
                // A local, not the field: a listener naming a field holds this whole login (its result, the
                // backend's capabilities) for as long as the session lasts.
                BackendHealth sessions = health;
                in.backend().closeFuture().addListener(closed -> sessions.sessionClosed(backend));
                if (!promise.trySuccess(result)) {
                    in.backend().close(); // the client left meanwhile
                }
            } else {
                promise.trySuccess(result);
            }
            return;
        }
        ProxyFailureException failure = ProxyFailureException.of(answer.cause(), ProxyFailure.INTERNAL, "backend login");
        boolean backendsFault = failure.failure().tryNextBackend() && !failure.credentialsSent();
        if (backendsFault) {
            health.recordFailure(backend, failure.getMessage());
        }
        if (backendsFault && index + 1 < backends.size() && !promise.isDone()) {
            if (RateLimitedLog.FAILURES.admit(Reason.BACKEND_FAILED)) {
                LOG.warn("[{}] backend {} failed ({}): {}; trying the next one", sessionId, backend,
                        failure.failure().tag(), failure.getMessage());
            }
            index++;
            tryCurrent();
        } else {
            promise.tryFailure(failure);
        }
    }
}
