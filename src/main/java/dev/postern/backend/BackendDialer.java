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
import java.time.Duration;

/**
 * Connections to backends, for logins and health checks alike: the host name resolved off the event loop, a
 * Bootstrap on the caller's event loop with the client channels' class (both legs share transport and thread),
 * AUTO_READ off (the phase handler reads while it waits for a line), and the one
 * {@link BackendPipelineInitializer}. As a {@link BackendLoginStep} it runs a {@link BackendLoginHandler}.
 */
public final class BackendDialer implements BackendLoginStep {
    private final Class<? extends SocketChannel> channelClass;
    private final AddressResolver resolver;
    private final BackendTlsContexts backendTls;
    private final LimitsConfig limits;
    private final TimeoutsConfig timeouts;

    /**
     * @param channelClass the client channels' class
     * @param resolver host names to addresses off the event loop
     * @param backendTls TLS per pooled backend; a backend no pool lists connects in plaintext
     */
    public BackendDialer(Class<? extends SocketChannel> channelClass, AddressResolver resolver,
                         BackendTlsContexts backendTls, LimitsConfig limits, TimeoutsConfig timeouts) {
        this.channelClass = channelClass;
        this.resolver = resolver;
        this.backendTls = backendTls;
        this.limits = limits;
        this.timeouts = timeouts;
    }

    @Override
    public Future<LoginResult> login(HostPort target, Credentials credentials, EventLoop loop) {
        Promise<LoginResult> result = loop.newPromise();
        BackendTls tls = backendTls.forBackend(target);
        open(target, loop, timeouts.backendConnect(), PipelineNames.BACKEND_LOGIN,
                new BackendLoginHandler(credentials, result, target, timeouts.backendLogin(), tls), result);
        return result;
    }

    /**
     * Connects to {@code target} with {@code phase} last in its pipeline. Failing to resolve or connect fails
     * {@code outcome} ({@link ProxyFailure#CONNECT}); {@code outcome} completing other than successfully (cancelled,
     * timed out by its owner) closes the channel. The phase handler completes {@code outcome} otherwise.
     */
    void open(HostPort target, EventLoop loop, Duration connectTimeout, String phaseName, ChannelHandler phase,
              Promise<?> outcome) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new BackendPipelineInitializer(target, backendTls.forBackend(target),
                        limits.maxBackendLineBytes(), phaseName, phase));
        resolver.resolve(target).whenComplete((address, error) -> loop.execute(() -> {
            if (error != null) {
                outcome.tryFailure(new ProxyFailureException(ProxyFailure.CONNECT,
                        "cannot resolve " + target + ": " + error.getMessage()));
                return;
            }
            if (outcome.isDone()) {
                return;
            }
            var connecting = bootstrap.connect(address);
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
        }));
    }
}
