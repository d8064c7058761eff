package dev.postern.backend;

import dev.postern.imap.Credentials;
import dev.postern.route.RouteDecision;
import dev.postern.route.Router;
import dev.postern.session.CappedCounts;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The {@link BackendGateway}: asks the router where the user goes, then hands the backends it names to a
 * {@link RoutedLogin} over a {@link BackendLoginStep} (how). A route source's refusal, a pool that does not
 * exist, a pool with every backend draining ({@code NO [UNAVAILABLE]}) and "no route" (the wrong-password reply,
 * the only case that gets it here) are answered without contacting a backend, and at once (how long a refusal waits
 * is the front end's failure delay); so is a user who already has {@code limits.max_sessions_per_user} sessions
 * ({@code [LIMIT]}): the slot is taken before the route lookup, held while the login runs and by the relayed session
 * until its backend channel closes (the relay closes it with the client's), and given back at once when the login
 * fails.
 */
public final class BackendConnector implements BackendGateway {
    private final Router router;
    private final BackendLoginStep step;
    private final SessionCaps caps;

    public BackendConnector(Router router, BackendLoginStep step, SessionCaps caps) {
        this.router = router;
        this.step = step;
        this.caps = caps;
    }

    @Override
    public Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt, EventLoop loop) {
        Promise<LoginResult> promise = loop.newPromise();
        String proxyLoop = ClientForwarding.loopDetected(session);
        if (proxyLoop != null) {
            return promise.setFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL, proxyLoop));
        }
        String typed = credentials.userName();
        if (typed.isEmpty()) {
            // OAUTHBEARER without an authzid: only a token Postern verifies could name the user to route
            return promise.setFailure(new ProxyFailureException(ProxyFailure.AUTH_REJECTED,
                    credentials.kind() + " named no user and no auth.oauth verifies the token"));
        }
        CappedCounts<String>.Lease userSlot = caps.user(router.loginKey(typed));
        if (userSlot == null) {
            return promise.setFailure(new ProxyFailureException(ProxyFailure.LIMIT,
                    "the user has limits.max_sessions_per_user sessions on this instance"));
        }
        promise.addListener((Future<LoginResult> f) -> {
            if (f.isSuccess() && f.getNow() instanceof LoginResult.LoggedIn in) {
                in.backend().closeFuture().addListener(closed -> userSlot.release());
            } else {
                userSlot.release();
            }
        });
        String name = router.nameForBackend(typed);
        Credentials forBackend = name.equals(typed) ? credentials : renamed(credentials, name);
        if (forBackend != credentials) {
            promise.addListener(f -> forBackend.wipe());
        }
        router.resolve(typed, session.client(), attempt, credentials::password).whenComplete((route, error) ->
                loop.execute(() -> onRoute(session, forBackend, loop, route, error, promise)));
        return promise;
    }

    private static Credentials renamed(Credentials credentials, String name) {
        byte[] password = credentials.password();
        try {
            return new Credentials(name.getBytes(StandardCharsets.UTF_8), password);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private void onRoute(SessionContext session, Credentials credentials, EventLoop loop, RouteDecision route,
                         Throwable error, Promise<LoginResult> promise) {
        if (error != null) {
            promise.tryFailure(ProxyFailureException.of(error, ProxyFailure.AUTH_TEMPFAIL, "route lookup failed"));
        } else if (route instanceof RouteDecision.Backends b) {
            new RoutedLogin(session, credentials, b.order(), loop, step, router.health(), caps, promise).start();
        } else if (route instanceof RouteDecision.Refused r) {
            // The wait the source asked for is served by the front end's one failure delay (the longer applies).
            promise.trySuccess(new LoginResult.Rejected(refusalText(r.text()), r.delay()));
        } else if (route instanceof RouteDecision.UnknownPool u) {
            promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL,
                    "the route names pool '" + u.pool() + "', which is not configured"));
        } else if (route instanceof RouteDecision.NoBackend n) {
            promise.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                    "every backend of pool '" + n.pool() + "' is draining"));
        } else if (route instanceof RouteDecision.NoRoute) {
            promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_REJECTED,
                    "no route for this user and no default pool"));
        } else {
            promise.tryFailure(new ProxyFailureException(ProxyFailure.INTERNAL, "unexpected route decision " + route));
        }
    }

    /** A route source's refusal text, made safe for a response line: printable, one line, bounded. */
    static String refusalText(String text) {
        String clean = text == null ? "" : text.replaceAll("[\\x00-\\x1f\\x7f]", " ").strip();
        if (clean.length() > 200) {
            clean = clean.substring(0, 200);
        }
        if (clean.isEmpty()) {
            return ProxyFailure.AUTH_REJECTED.clientText();
        }
        return clean.startsWith("[") ? clean : "[AUTHENTICATIONFAILED] " + clean;
    }
}
