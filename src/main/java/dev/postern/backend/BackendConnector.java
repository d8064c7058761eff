package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.Credentials;
import dev.postern.route.Router;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
    private final Executor resolver;

    /**
     * @param channelClass the client channels' class, so both legs share the transport and event loop
     * @param resolver where host names are resolved (JDK resolution blocks; never on an event loop)
     */
    public BackendConnector(Router router, LimitsConfig limits, TimeoutsConfig timeouts,
                            Class<? extends SocketChannel> channelClass, Executor resolver) {
        this.router = router;
        this.limits = limits;
        this.timeouts = timeouts;
        this.channelClass = channelClass;
        this.resolver = resolver;
    }

    @Override
    public Future<LoginResult> login(SessionContext session, Credentials credentials, EventLoop loop) {
        Promise<LoginResult> promise = loop.newPromise();
        router.candidates(credentials.userName()).whenComplete((backends, error) -> loop.execute(() -> {
            if (error != null) {
                promise.tryFailure(ProxyFailureException.of(error, ProxyFailure.AUTH_TEMPFAIL, "route lookup failed"));
            } else if (backends.isEmpty()) {
                promise.tryFailure(new ProxyFailureException(ProxyFailure.AUTH_REJECTED,
                        "no route for this user and no default pool"));
            } else {
                attempt(session, credentials, loop, backends, 0, null, promise);
            }
        }));
        return promise;
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
        resolve(backend).whenComplete((address, error) -> loop.execute(() -> {
            if (error != null) {
                ProxyFailureException failure = new ProxyFailureException(ProxyFailure.CONNECT,
                        "cannot resolve " + backend + ": " + error.getMessage());
                next(session, credentials, loop, backends, index, failure, promise);
                return;
            }
            Promise<LoginResult> attemptPromise = loop.newPromise();
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
                            ch.pipeline().addLast(PipelineNames.RESP_FRAMER,
                                    new LineBasedFrameDecoder(limits.maxBackendLineBytes(), true, true));
                            ch.pipeline().addLast(PipelineNames.BACKEND_LOGIN, new BackendLoginHandler(credentials,
                                    attemptPromise, backend.toString(), timeouts.backendLogin()));
                        }
                    });
            bootstrap.connect(address).addListener(connect -> {
                if (!connect.isSuccess()) {
                    attemptPromise.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                            "connect to " + backend + " failed: " + connect.cause().getMessage()));
                }
            });
            attemptPromise.addListener((Future<LoginResult> f) -> {
                if (f.isSuccess()) {
                    promise.trySuccess(f.getNow());
                    if (promise.getNow() != f.getNow() && f.getNow() instanceof LoginResult.LoggedIn in) {
                        in.backend().close();
                    }
                    return;
                }
                ProxyFailureException failure = ProxyFailureException.of(f.cause(), ProxyFailure.INTERNAL, "backend login");
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

    private CompletableFuture<InetSocketAddress> resolve(HostPort backend) {
        if (NetUtil.isValidIpV4Address(backend.host()) || NetUtil.isValidIpV6Address(backend.host())) {
            return CompletableFuture.completedFuture(new InetSocketAddress(
                    NetUtil.createInetAddressFromIpAddressString(backend.host()), backend.port()));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new InetSocketAddress(InetAddress.getByName(backend.host()), backend.port());
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, resolver);
    }
}
