package dev.postern.route;

import dev.postern.config.HostPort;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.concurrent.TimeUnit;

/**
 * Active checks: for each backend with checks enabled, every interval, connect and wait for a {@code * OK}
 * greeting line within the timeout (after the TLS handshake for a backend spoken to with implicit TLS). Runs on
 * one event loop; never blocks it.
 */
public final class HealthChecker implements AutoCloseable {
    private final BackendHealth health;
    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final AddressResolver resolver;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final BiFunction<HostPort, ByteBufAllocator, ChannelHandler> implicitTls;

    public HealthChecker(BackendHealth health, EventLoop loop, Class<? extends SocketChannel> channelClass,
                         AddressResolver resolver) {
        this(health, loop, channelClass, resolver, (backend, alloc) -> null);
    }

    /**
     * @param implicitTls a TLS handler for a backend that speaks TLS from the first byte, else null; the greeting
     *                    is read after its handshake
     */
    public HealthChecker(BackendHealth health, EventLoop loop, Class<? extends SocketChannel> channelClass,
                         AddressResolver resolver, BiFunction<HostPort, ByteBufAllocator, ChannelHandler> implicitTls) {
        this.implicitTls = implicitTls;
        this.health = health;
        this.resolver = resolver;
        this.loop = loop;
        this.channelClass = channelClass;
    }

    public void start() {
        for (BackendHealth.Entry e : health.entries()) {
            if (!e.config.enabled()) {
                continue;
            }
            long interval = e.config.interval().toMillis();
            tasks.add(loop.scheduleWithFixedDelay(() -> check(e), 0, interval, TimeUnit.MILLISECONDS));
        }
    }

    private void check(BackendHealth.Entry e) {
        Promise<Void> result = loop.newPromise();
        long timeout = e.config.timeout().toMillis();
        ScheduledFuture<?> timer = loop.schedule(() -> result.tryFailure(
                new IllegalStateException("no greeting within " + timeout + " ms")), timeout, TimeUnit.MILLISECONDS);
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelHandler tls = implicitTls.apply(e.address, ch.alloc());
                        if (tls != null) {
                            ch.pipeline().addLast(tls);
                        }
                        ch.pipeline().addLast(new LineBasedFrameDecoder(8192, true, true));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
                                String text = line.toString(StandardCharsets.UTF_8);
                                if (text.startsWith("* OK")) {
                                    result.trySuccess(null);
                                } else {
                                    result.tryFailure(new IllegalStateException("greeting is not '* OK': "
                                            + (text.length() > 80 ? text.substring(0, 80) : text)));
                                }
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                result.tryFailure(new IllegalStateException("closed before greeting"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                result.tryFailure(cause);
                                ctx.close();
                            }
                        });
                    }
                });
        List<io.netty.channel.Channel> opened = new ArrayList<>(1);
        resolver.resolve(e.address).whenComplete((address, error) -> loop.execute(() -> {
            if (error != null) {
                result.tryFailure(error);
                return;
            }
            if (result.isDone()) {
                return;
            }
            var connect = bootstrap.connect(address);
            opened.add(connect.channel());
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    result.tryFailure(f.cause());
                }
            });
        }));
        result.addListener(f -> {
            timer.cancel(false);
            opened.forEach(io.netty.channel.Channel::close);
            if (f.isSuccess()) {
                health.recordSuccess(e.address);
            } else {
                health.recordFailure(e.address, "health check: " + f.cause().getMessage());
            }
        });
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
    }
}
