package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.Credentials;
import dev.postern.route.AddressResolver;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.tls.BackendTls;
import dev.postern.tls.BackendTlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import dev.postern.config.PoolConfig;
import dev.postern.config.PoolConfig.Forward;
import dev.postern.session.SessionContext;

/**
 * Connections to backends, for logins and health checks alike: the host name resolved off the event loop, a
 * Bootstrap on the caller's event loop with the client channels' class (both legs share transport and thread),
 * AUTO_READ off (the phase handler reads while it waits for a line), and the one
 * {@link BackendPipelineInitializer}. As a {@link BackendLoginStep} it runs a {@link BackendLoginHandler}.
 */
public final class BackendDialer implements BackendLoginStep {
    private final Class<? extends SocketChannel> channelClass;
    private final AddressResolver resolver;
    private final TargetTlsPolicy tlsPolicy;
    private final LimitsConfig limits;
    private final TimeoutsConfig timeouts;
    /** Each pooled backend's pool (the first that lists it), for its {@code forward} setting. */
    private final Map<HostPort, PoolConfig> pools = new HashMap<>();
    private final MasterLogins masters;

    /**
     * @param channelClass the client channels' class
     * @param resolver host names to addresses off the event loop
     * @param backendTls TLS per pooled backend and for targets no pool lists (see {@link TargetTlsPolicy})
     */
    public BackendDialer(Class<? extends SocketChannel> channelClass, AddressResolver resolver,
                         BackendTlsContexts backendTls, LimitsConfig limits, TimeoutsConfig timeouts,
                         Map<String, PoolConfig> pools) throws IOException {
        this.masters = new MasterLogins(pools);
        pools.values().forEach(pool -> pool.backends().forEach(b -> this.pools.putIfAbsent(b.address(), pool)));
        this.channelClass = channelClass;
        this.resolver = resolver;
        this.tlsPolicy = new TargetTlsPolicy(backendTls, resolver);
        this.limits = limits;
        this.timeouts = timeouts;
    }

    @Override
    public Future<LoginResult> login(HostPort target, Credentials credentials, SessionContext session,
                                     EventLoop loop) {
        Promise<LoginResult> result = loop.newPromise();
        if (credentials.kind() == Credentials.Kind.VERIFIED) {
            Credentials master = masters.forUser(target, credentials.userName());
            if (master == null) {
                return result.setFailure(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL, target
                        + " is in no pool with a master user, which a login Postern authenticated itself needs"));
            }
            result.addListener(done -> master.wipe());
            return dial(target, master, session, loop, result);
        }
        return dial(target, credentials, session, loop, result);
    }

    private Future<LoginResult> dial(HostPort target, Credentials credentials, SessionContext session,
                                     EventLoop loop, Promise<LoginResult> result) {
        PoolConfig pool = pools.get(target);
        Forward forward = pool == null ? Forward.NONE : pool.forward();
        String id = forward == Forward.ID ? ClientForwarding.idCommand("P4", session, pool.forwardClientId()) : null;
        Supplier<Object> header = forward == Forward.PROXY_V1 || forward == Forward.PROXY_V2
                ? () -> ClientForwarding.proxyHeader(forward, session) : null;
        open(target, loop, timeouts.backendConnect(), PipelineNames.BACKEND_LOGIN,
                tls -> new BackendLoginHandler(credentials, result, target, timeouts.backendLogin(), tls, id), result,
                header);
        return result;
    }

    /** The header a health check of {@code target} starts with: LOCAL for a PROXY pool's backend, else none. */
    Supplier<Object> healthCheckHeader(HostPort target) {
        PoolConfig pool = pools.get(target);
        Forward forward = pool == null ? Forward.NONE : pool.forward();
        return forward == Forward.PROXY_V1 || forward == Forward.PROXY_V2
                ? () -> ClientForwarding.localHeader(forward) : null;
    }

    /** A resolved target and the TLS it gets. */
    private record Dial(InetSocketAddress address, TargetTlsPolicy.Choice tls) {
    }

    /**
     * Connects to {@code target} with the phase handler {@code phase} makes (given the TLS the target gets, null for
     * plaintext) last in its pipeline. Failing to resolve or connect, or a target {@code routes.unlisted_targets}
     * refuses, fails {@code outcome} ({@link ProxyFailure#CONNECT}); {@code outcome} completing other than
     * successfully (cancelled, timed out by its owner) closes the channel. The phase handler completes
     * {@code outcome} otherwise.
     */
    void open(HostPort target, EventLoop loop, Duration connectTimeout, String phaseName,
              Function<BackendTls, ChannelHandler> phase, Promise<?> outcome, Supplier<Object> proxyHeader) {
        resolver.resolve(target)
                .thenCompose(address -> tlsPolicy.choose(target, address).thenApply(tls -> new Dial(address, tls)))
                .whenComplete((dial, error) -> loop.execute(() -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        outcome.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                                "cannot resolve " + target + ": " + cause.getMessage()));
                    } else if (dial.tls().refusal() != null) {
                        outcome.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT, dial.tls().refusal()));
                    } else if (!outcome.isDone()) {
                        connect(target, dial, loop, connectTimeout, phaseName, phase.apply(dial.tls().tls()), outcome,
                                proxyHeader);
                    }
                }));
    }

    private void connect(HostPort target, Dial dial, EventLoop loop, Duration connectTimeout, String phaseName,
                         ChannelHandler phase, Promise<?> outcome, Supplier<Object> proxyHeader) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new BackendPipelineInitializer(target, dial.tls().tls(), limits.maxBackendLineBytes(),
                        phaseName, phase, proxyHeader));
        var connecting = bootstrap.connect(dial.address());
        connecting.addListener(connect -> {
            if (!connect.isSuccess()) {
                outcome.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                        "connect to " + target + " failed: " + connect.cause().getMessage()));
            }
        });
        outcome.addListener(f -> {
            if (!f.isSuccess()) {
                connecting.channel().close();
            }
        });
    }
}
