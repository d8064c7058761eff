package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.config.TlsMode;
import dev.postern.imap.Credentials;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.route.LoginNames;
import dev.postern.route.LookupRequest;
import dev.postern.route.RouteDecision;
import dev.postern.route.Router;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.tls.BackendTls;
import dev.postern.tls.BackendTlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link BackendGateway}: asks the router for the user's backends, then tries them in order on the client's
 * event loop (same thread, no locks) until one answers the login. A backend that cannot be reached or speaks
 * nonsense is skipped; a backend that says NO ends the attempt (another would say the same).
 */
public final class BackendConnector implements BackendGateway {
    private static final Logger LOG = LoggerFactory.getLogger(BackendConnector.class);

    private final Router router;
    private final LimitsConfig limits;
    private final TimeoutsConfig timeouts;
    private final Class<? extends SocketChannel> channelClass;
    private final AddressResolver resolver;
    private final BackendHealth health;
    private final boolean sendPasswordToSources;
    private final BackendTlsContexts backendTls;

    /**
     * @param channelClass the client channels' class, so both legs share the transport and event loop
     * @param resolver host names to addresses off the event loop
     * @param sendPasswordToSources whether a route source (auth_http with Auth-Pass) needs the password
     */
    public BackendConnector(Router router, LimitsConfig limits, TimeoutsConfig timeouts,
                            Class<? extends SocketChannel> channelClass, AddressResolver resolver,
                            boolean sendPasswordToSources) {
        this(router, limits, timeouts, channelClass, resolver, sendPasswordToSources, BackendTlsContexts.NONE);
    }

    /** @param backendTls TLS per pooled backend; a backend no pool lists connects in plaintext */
    public BackendConnector(Router router, LimitsConfig limits, TimeoutsConfig timeouts,
                            Class<? extends SocketChannel> channelClass, AddressResolver resolver,
                            boolean sendPasswordToSources, BackendTlsContexts backendTls) {
        this.backendTls = backendTls;
        this.router = router;
        this.health = router.health();
        this.sendPasswordToSources = sendPasswordToSources;
        this.limits = limits;
        this.timeouts = timeouts;
        this.channelClass = channelClass;
        this.resolver = resolver;
    }

    @Override
    public Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt, EventLoop loop) {
        Promise<LoginResult> promise = loop.newPromise();
        String typed = credentials.userName();
        LoginNames names = router.names();
        byte[] password = sendPasswordToSources ? credentials.password() : null;
        LookupRequest request = new LookupRequest(names.key(typed), typed, password, session.client(), attempt);
        Credentials forBackend = names.forBackend(typed).equals(typed) ? credentials
                : new Credentials(names.forBackend(typed).getBytes(StandardCharsets.UTF_8), credentials.password());
        CompletableFuture<RouteDecision> decision;
        try {
            decision = router.resolve(request);
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        decision.whenComplete((route, error) -> loop.execute(() -> {
            if (password != null) {
                java.util.Arrays.fill(password, (byte) 0);
            }
            if (error != null) {
                promise.tryFailure(ProxyFailureException.of(error, ProxyFailure.AUTH_TEMPFAIL, "route lookup failed"));
            } else if (route instanceof RouteDecision.Backends b && !b.order().isEmpty()) {
                attempt(session, forBackend, loop, b.order(), 0, null, promise);
            } else if (route instanceof RouteDecision.Refused r) {
                loop.schedule(() -> promise.trySuccess(new LoginResult.Rejected(refusalText(r.text()))),
                        r.delay().toMillis(), TimeUnit.MILLISECONDS);
            } else if (route instanceof RouteDecision.UnknownPool u) {
                promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL,
                        "the route names pool '" + u.pool() + "', which is not configured"));
            } else {
                promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_REJECTED,
                        "no route for this user and no default pool"));
            }
        }));
        if (forBackend != credentials) {
            promise.addListener(f -> forBackend.wipe());
        }
        return promise;
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

    private void attempt(SessionContext session, Credentials credentials, EventLoop loop, List<HostPort> backends,
                         int index, ProxyFailureException last, Promise<LoginResult> promise) {
        if (promise.isDone()) {
            return;
        }
        if (index >= backends.size()) {
            promise.tryFailure(last);
            return;
        }
        HostPort backend = backends.get(index);
        resolver.resolve(backend).whenComplete((address, error) -> loop.execute(() -> {
            if (error != null) {
                ProxyFailureException failure = new ProxyFailureException(ProxyFailure.CONNECT,
                        "cannot resolve " + backend + ": " + error.getMessage());
                next(session, credentials, loop, backends, index, failure, promise);
                return;
            }
            Promise<LoginResult> attemptPromise = loop.newPromise();
            BackendTls tls = backendTls.forBackend(backend);
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(channelClass)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeouts.backendConnect().toMillis())
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null && tls.mode() == TlsMode.IMPLICIT) {
                                ch.pipeline().addLast(PipelineNames.BACKEND_TLS, tls.newHandler(ch.alloc(), backend));
                            }
                            ch.pipeline().addLast(PipelineNames.RESP_FRAMER,
                                    new ResponseLineFramer(limits.maxBackendLineBytes()));
                            ch.pipeline().addLast(PipelineNames.BACKEND_LOGIN, new BackendLoginHandler(credentials,
                                    attemptPromise, backend, backend.toString(), timeouts.backendLogin(), tls));
                        }
                    });
            var connecting = bootstrap.connect(address);
            // The client went away (its handler cancels the login): stop this attempt where it stands.
            promise.addListener(f -> {
                if (f.isCancelled()) {
                    connecting.channel().close();
                }
            });
            connecting.addListener(connect -> {
                if (!connect.isSuccess()) {
                    attemptPromise.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                            "connect to " + backend + " failed: " + connect.cause().getMessage()));
                }
            });
            attemptPromise.addListener((Future<LoginResult> f) -> {
                if (f.isSuccess()) {
                    health.recordSuccess(backend);
                    if (f.getNow() instanceof LoginResult.LoggedIn in) {
                        health.sessionOpened(backend);
                        in.backend().closeFuture().addListener(closed -> health.sessionClosed(backend));
                    }
                    promise.trySuccess(f.getNow());
                    if (promise.getNow() != f.getNow() && f.getNow() instanceof LoginResult.LoggedIn in) {
                        in.backend().close();
                    }
                    return;
                }
                ProxyFailureException failure = ProxyFailureException.of(f.cause(), ProxyFailure.INTERNAL, "backend login");
                if (failure.failure().tryNextBackend()) {
                    health.recordFailure(backend, failure.getMessage());
                }
                next(session, credentials, loop, backends, index, failure, promise);
            });
        }));
    }

    private void next(SessionContext session, Credentials credentials, EventLoop loop, List<HostPort> backends, int index,
                      ProxyFailureException failure, Promise<LoginResult> promise) {
        if (failure.failure().tryNextBackend() && index + 1 < backends.size()) {
            LOG.warn("[{}] backend {} failed ({}): {}; trying the next one", session.id(), backends.get(index),
                    failure.failure().tag(), failure.getMessage());
            attempt(session, credentials, loop, backends, index + 1, failure, promise);
        } else {
            promise.tryFailure(failure);
        }
    }
}
