package dev.postern.bench;

import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import dev.postern.tls.TlsSessions;
import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TLS handshake benchmark of issue 4: a runnable tool, not a test. For each server provider (OpenSSL through
 * netty-tcnative BoringSSL, and the JDK) and each certificate (ECDSA P-256, RSA 2048) it starts an in-JVM Postern
 * with one implicit-TLS listener and drives it with a Netty client (OpenSSL provider, TLS 1.3 as negotiated by
 * default) keeping {@code parallel} connections busy: connect, handshake, read Postern's greeting, close (RST, so no
 * TIME_WAIT piles up). It prints handshakes per second
 * <ul>
 *   <li>full: the client offers no session (its engines are made without a peer host, so nothing is cached);</li>
 *   <li>resumed: the client offers the session ticket of its previous connection; the client engine reports
 *       whether the server resumed ({@link TlsSessions#resumed}), and with the OpenSSL provider Postern's own
 *       {@code postern.tls.resumed} counter is shown beside it.</li>
 * </ul>
 * Client and server share this machine's cores, so figures are relative (provider against provider, key against
 * key), not a capacity. Run with {@code deploy/bench/tls.sh [seconds-per-figure (4)] [parallel (8)]}; about a
 * minute with the defaults; loopback only; stops by itself (a watchdog ends the JVM after 4 minutes whatever
 * happens).
 */
public final class TlsHandshakeBenchmark {
    private static final Duration WARMUP = Duration.ofSeconds(1);
    private static final Duration WATCHDOG = Duration.ofMinutes(4);

    private TlsHandshakeBenchmark() {
    }

    record Figure(double perSecond, long done, long failed, long clientResumed, double serverResumed) {
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 4);
        int parallel = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        startWatchdog();
        System.out.printf("Postern TLS handshake benchmark: %d cores, Java %s, %s; client: Netty OpenSSL, %d connections "
                        + "in parallel, %d s per figure after %d s warm-up%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), OpenSsl.versionString(), parallel, measure.toSeconds(),
                WARMUP.toSeconds());
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<String> rows = new ArrayList<>();
        try {
            for (String provider : List.of("openssl", "jdk")) {
                for (KeyType key : KeyType.values()) {
                    rows.add(runCase(clients, provider, key, measure, parallel));
                }
            }
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        System.out.println();
        System.out.printf("%-8s %-11s %-7s %14s %14s %10s %12s%n", "server", "certificate", "proto", "full hs/s",
                "resumed hs/s", "resumed%", "server saw");
        rows.forEach(System.out::println);
        System.out.println("resumed% = share of the 'resumed' handshakes the client engine reports as resumed; "
                + "server saw = postern.tls.resumed during that figure (OpenSSL provider only: the JDK engine cannot tell)");
        System.exit(0);
    }

    private static String runCase(EventLoopGroup clients, String provider, KeyType key, Duration measure, int parallel)
            throws Exception {
        Path dir = Files.createTempDirectory("postern-tls-bench-");
        TestCertificates.selfSigned(dir, "server", key, "localhost", List.of("localhost"));
        try (PosternHarness postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                tls:
                  provider: %s
                  certificate: server.crt
                  key: server.key
                """.formatted(provider))) {
            int port = postern.port("imaps");
            Counter serverResumed = postern.registry().get("postern.tls.resumed").tag("listener", "imaps").counter();
            SslContext full = clientContext();
            Figure f = run(clients, full, false, port, measure, parallel, serverResumed);
            SslContext resuming = clientContext();
            Figure r = run(clients, resuming, true, port, measure, parallel, serverResumed);
            ReferenceCountUtil.release(full);
            ReferenceCountUtil.release(resuming);
            String keyName = key == KeyType.ECDSA_P256 ? "ECDSA P256" : "RSA 2048";
            String failures = f.failed() + r.failed() == 0 ? "" : "  (failed: " + f.failed() + " full, " + r.failed() + " resumed)";
            String server = provider.equals("openssl") ? String.format("%,.0f", r.serverResumed()) : "n/a";
            System.out.printf("  %-7s %-10s full %,9.0f/s   resumed %,9.0f/s (%d of %d resumed)%s%n", provider, keyName,
                    f.perSecond(), r.perSecond(), r.clientResumed(), r.done(), failures);
            return String.format("%-8s %-11s %-7s %,14.0f %,14.0f %9.1f%% %12s%s", provider, keyName, "TLSv1.3",
                    f.perSecond(), r.perSecond(), r.done() == 0 ? 0.0 : 100.0 * r.clientResumed() / r.done(), server,
                    failures);
        }
    }

    private static SslContext clientContext() throws Exception {
        return SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    /** Keeps {@code parallel} connections going until warm-up plus {@code measure} is over; counts the measured part. */
    private static Figure run(EventLoopGroup group, SslContext context, boolean resume, int port, Duration measure,
                              int parallel, Counter serverResumed) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong resumed = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + WARMUP.toNanos();
        long end = measureFrom + measure.toNanos();
        CountDownLatch finished = new CountDownLatch(parallel);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_LINGER, 0)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = resume ? context.newHandler(ch.alloc(), "127.0.0.1", port)
                                : context.newHandler(ch.alloc());
                        ch.pipeline().addLast(ssl, new GreetingThenClose(ssl, measureFrom, done, resumed));
                    }
                });
        for (int i = 0; i < parallel; i++) {
            loop(bootstrap, port, end, finished, failed, measureFrom);
        }
        // the server counter is read when measuring starts and when it ends
        long toMeasure = measureFrom - System.nanoTime();
        if (toMeasure > 0) {
            TimeUnit.NANOSECONDS.sleep(toMeasure);
        }
        double serverBefore = serverResumed.count();
        if (!finished.await(measure.toSeconds() + 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("connections did not finish within the measurement plus 30 s");
        }
        double seconds = (System.nanoTime() - measureFrom) / 1e9;
        return new Figure(done.get() / seconds, done.get(), failed.get(), resumed.get(), serverResumed.count() - serverBefore);
    }

    /** One of the parallel loops: a connection at a time, the next one when it closes, until {@code end}. */
    private static void loop(Bootstrap bootstrap, int port, long end, CountDownLatch finished, AtomicLong failed,
                             long measureFrom) {
        if (System.nanoTime() - end >= 0) {
            finished.countDown();
            return;
        }
        ChannelFuture connect = bootstrap.connect("127.0.0.1", port);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                if (System.nanoTime() - measureFrom >= 0) {
                    failed.incrementAndGet();
                }
                loop(bootstrap, port, end, finished, failed, measureFrom);
                return;
            }
            connect.channel().closeFuture().addListener(c -> loop(bootstrap, port, end, finished, failed, measureFrom));
        });
    }

    /** Waits for the handshake and the first greeting bytes, counts the connection, closes it. */
    private static final class GreetingThenClose extends ChannelInboundHandlerAdapter {
        private final SslHandler ssl;
        private final long measureFrom;
        private final AtomicLong done;
        private final AtomicLong resumed;
        private boolean wasResumed;
        private boolean handshaken;

        GreetingThenClose(SslHandler ssl, long measureFrom, AtomicLong done, AtomicLong resumed) {
            this.ssl = ssl;
            this.measureFrom = measureFrom;
            this.done = done;
            this.resumed = resumed;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    handshaken = true;
                    wasResumed = Boolean.TRUE.equals(TlsSessions.resumed(ssl.engine()));
                } else {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean greeting = msg instanceof ByteBuf b && b.isReadable();
            ReferenceCountUtil.release(msg);
            if (handshaken && greeting && ctx.channel().isOpen()) {
                if (System.nanoTime() - measureFrom >= 0) {
                    done.incrementAndGet();
                    if (wasResumed) {
                        resumed.incrementAndGet();
                    }
                }
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void startWatchdog() {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(WATCHDOG.toMillis());
                System.err.println("TLS benchmark: still running after " + WATCHDOG + ", stopping");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException ignored) {
                // the JVM is ending
            }
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
