package dev.postern.backend;

import dev.postern.imap.Credentials;
import dev.postern.oauth.TokenVerifier;
import dev.postern.route.Route;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link BackendGateway}: asks the router where the user goes, then hands the backends it names to a
 * {@link RoutedLogin} over a {@link BackendLoginStep} (how). A route source's refusal, a pool that does not
 * exist, a pool with every backend draining ({@code NO [UNAVAILABLE]}) and "no route" (the wrong-password reply,
 * the only case that gets it here) are answered without contacting a backend, and at once (how long a refusal waits
 * is the front end's failure delay); so is a user who already has {@code limits.max_sessions_per_user} sessions
 * ({@code [LIMIT]}): the slot is taken before the route lookup, held while the login runs and by the relayed session
 * until its backend channel closes (the relay closes it with the client's), and given back at once when the login
 * fails. With {@code auth.oauth}, a bearer token is verified first: a bad one is refused like a wrong password,
 * a good one logs in the user it names (the one the client named must be the same) through the pool's master user.
 */
public final class BackendConnector implements BackendGateway {
    private static final Logger LOG = LoggerFactory.getLogger(BackendConnector.class);
    private final Router router;
    private final BackendLoginStep step;
    private final SessionCaps caps;
    private final TokenVerifier verifier;

    /** Tokens pass through to the backends. */
    public BackendConnector(Router router, BackendLoginStep step, SessionCaps caps) {
        this(router, step, caps, null);
    }

    /** @param verifier checks bearer tokens in Postern ({@code auth.oauth}); null to pass them through */
    public BackendConnector(Router router, BackendLoginStep step, SessionCaps caps, TokenVerifier verifier) {
        this.verifier = verifier;
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
        if (credentials.kind().bearer() && verifier != null) {
            byte[] token = credentials.password();
            verifier.verify(token).whenComplete((user, error) -> loop.execute(() -> {
                Arrays.fill(token, (byte) 0);
                verified(session, credentials.userName(), user, error, attempt, loop, promise);
            }));
            return promise;
        }
        return route(session, credentials, attempt, loop, promise);
    }

    /** After the verifier's answer: refused, a temporary failure, or the user's login through a master user. */
    private void verified(SessionContext session, String named, String user, Throwable error, int attempt,
                          EventLoop loop, Promise<LoginResult> promise) {
        if (promise.isDone()) {
            return; // the client left meanwhile
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TokenVerifier.TokenRefused refused) {
            LOG.info("[{}] bearer token refused: {}", session.id(), refused.getMessage());
            promise.trySuccess(new LoginResult.Rejected(ProxyFailure.AUTH_REJECTED.clientText()));
        } else if (cause != null) {
            promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL,
                    "the bearer token could not be verified: " + cause.getMessage()));
        } else if (!named.isEmpty() && !router.loginKey(named).equals(router.loginKey(user))) {
            LOG.info("[{}] bearer token refused: it belongs to {}, the client named {}", session.id(), user, named);
            promise.trySuccess(new LoginResult.Rejected(ProxyFailure.AUTH_REJECTED.clientText()));
        } else {
            Credentials verified = Credentials.verified(user);
            if (verified.unsendableReason() != null) {
                LOG.info("[{}] bearer token refused: its user name cannot be sent to a backend", session.id());
                promise.trySuccess(new LoginResult.Rejected(ProxyFailure.AUTH_REJECTED.clientText()));
            } else {
                route(session, verified, attempt, loop, promise);
            }
        }
    }

    private Future<LoginResult> route(SessionContext session, Credentials credentials, int attempt, EventLoop loop,
                                      Promise<LoginResult> promise) {
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
        // A user Postern verified has no secret of its own to show a source that wants one (it fails clearly).
        Supplier<byte[]> secret = credentials.kind() == Credentials.Kind.VERIFIED ? () -> null : credentials::password;
        router.resolve(typed, session.client(), attempt, secret, credentials.authMethod(), session.secure())
                .whenComplete((route, error) ->
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
        } else if (route instanceof RouteDecision.Backends b && b.verdict() != null) {
            // The source authenticated the login: its user and password, or the pool's master as the user.
            Route.Verdict verdict = b.verdict();
            String user = verdict.user() != null ? verdict.user() : credentials.userName();
            Credentials vouched = verdict.password() != null
                    ? new Credentials(user.getBytes(StandardCharsets.UTF_8), verdict.password())
                    : Credentials.verified(user);
            if (verdict.password() != null) {
                Arrays.fill(verdict.password(), (byte) 0);
            }
            promise.addListener(f -> vouched.wipe());
            String unsendable = vouched.unsendableReason();
            if (unsendable != null) {
                promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL,
                        "the route source's Auth-User/Auth-Pass cannot be sent to a backend: " + unsendable));
                return;
            }
            new RoutedLogin(session, vouched, b.order(), loop, step, router.health(), caps, promise).start();
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
