package dev.postern.bench.compare;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The load generator: IMAP clients on Netty with BoringSSL (the same TLS library as Postern, so the client can offer
 * exactly the key-exchange groups a column pins, X25519MLKEM768 included), TLS 1.3 only, any certificate accepted.
 * Each connection runs one {@link Mode}: log in and hang up, over and over (a client that closes resets the
 * connection, so no TIME_WAIT piles up); NOOP round trips on a logged-in session; FETCH of a large message over and
 * over; or log in and stay. Connections report to shared counters the benchmark reads between two instants.
 */
final class ImapDriver implements AutoCloseable {
    enum Mode { LOGIN_LOOP, NOOP, FETCH, IDLE }

    final AtomicLong logins = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicInteger loggedIn = new AtomicInteger();
    /** Greeting times (connect to greeting line) and NOOP round trips, nanoseconds; bounded by the benchmark. */
    final Queue<Long> greetingNanos = new ConcurrentLinkedQueue<>();
    final Queue<Long> noopNanos = new ConcurrentLinkedQueue<>();

    private final EventLoopGroup group;
    private final SslContext tls;
    private final int port;
    private final Mode mode;
    private final boolean resume;
    private final IntFunction<String> user;
    private final String password;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean recording = new AtomicBoolean(false);
    private final Queue<Channel> open = new ConcurrentLinkedQueue<>();

    /**
     * @param groups the key-exchange groups the client offers, e.g. {@code X25519} or {@code X25519MLKEM768}
     * @param resume offer the previous connection's session (TLS 1.3 ticket) on each new connection
     */
    ImapDriver(int threads, int port, List<String> groups, Mode mode, boolean resume, IntFunction<String> user,
               String password) throws Exception {
        this.group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        this.tls = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3")
                .option(OpenSslContextOption.GROUPS, groups.toArray(new String[0])).build();
        this.port = port;
        this.mode = mode;
        this.resume = resume;
        this.user = user;
        this.password = password;
    }

    /** Starts connections {@code from} to {@code to - 1} (client {@code i} logs in as {@code user.apply(i)}). */
    void start(int from, int to) {
        for (int i = from; i < to; i++) {
            connect(i);
        }
    }

    /** Latencies are kept only while recording (after a warm-up). */
    void recordLatencies(boolean on) {
        recording.set(on);
    }

    private void connect(int index) {
        if (!running.get()) {
            return;
        }
        long started = System.nanoTime();
        new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_LINGER, 0)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(resume ? tls.newHandler(ch.alloc(), "127.0.0.1", port)
                                        : tls.newHandler(ch.alloc()),
                                new LineBasedFrameDecoder(1 << 20), new Conversation(index, started));
                    }
                }).connect("127.0.0.1", port).addListener(f -> {
                    if (!f.isSuccess()) {
                        failures.incrementAndGet();
                        group.next().schedule(() -> connect(index), 100, java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                });
    }

    /** One connection's dialogue. */
    private final class Conversation extends ChannelInboundHandlerAdapter {
        private final int index;
        private final long started;
        private boolean greeted;
        private boolean counted;
        private long sent;

        Conversation(int index, long started) {
            this.index = index;
            this.started = started;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            open.add(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            try {
                bytes.addAndGet(line.readableBytes() + 2L);
                if (!greeted) {
                    greeted = true;
                    if (recording.get()) {
                        greetingNanos.add(System.nanoTime() - started);
                    }
                    send(ctx, "l LOGIN " + user.apply(index) + " " + password);
                    return;
                }
                if (startsWith(line, "l ")) {
                    if (!startsWith(line, "l OK")) {
                        failures.incrementAndGet();
                        ctx.close();
                        return;
                    }
                    logins.incrementAndGet();
                    switch (mode) {
                        case LOGIN_LOOP -> ctx.close();
                        case NOOP -> noop(ctx);
                        case FETCH -> send(ctx, "s SELECT INBOX");
                        case IDLE -> {
                            counted = true;
                            loggedIn.incrementAndGet();
                        }
                    }
                } else if (startsWith(line, "n OK")) {
                    if (recording.get()) {
                        noopNanos.add(System.nanoTime() - sent);
                    }
                    noop(ctx);
                } else if (startsWith(line, "s OK") || startsWith(line, "Zq9 OK")) {
                    send(ctx, "Zq9 FETCH 1 BODY.PEEK[]");
                } else if (startsWith(line, "s NO") || startsWith(line, "Zq9 NO") || startsWith(line, "Zq9 BAD")) {
                    failures.incrementAndGet();
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void noop(ChannelHandlerContext ctx) {
            sent = System.nanoTime();
            send(ctx, "n NOOP");
        }

        private void send(ChannelHandlerContext ctx, String command) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(command + "\r\n", StandardCharsets.US_ASCII));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.remove(ctx.channel());
            if (counted) {
                loggedIn.decrementAndGet();
            }
            if (mode == Mode.LOGIN_LOOP || mode == Mode.NOOP || mode == Mode.FETCH) {
                connect(index);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.incrementAndGet();
            ctx.close();
        }
    }

    private static boolean startsWith(ByteBuf line, String prefix) {
        if (line.readableBytes() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (line.getByte(line.readerIndex() + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Stops reconnecting and closes every connection. */
    @Override
    public void close() {
        running.set(false);
        for (Channel c : open) {
            c.close();
        }
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        io.netty.util.ReferenceCountUtil.release(tls);
    }
}
