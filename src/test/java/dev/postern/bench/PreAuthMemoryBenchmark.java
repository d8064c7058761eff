package dev.postern.bench;

import dev.postern.testing.PosternHarness;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What clients that never log in can make Postern hold (issue 8, the pre-auth memory budget): a runnable tool, not
 * a test. It starts an in-JVM Postern (plain listener; the clients never reach a backend), opens {@code n}
 * connections from 127.0.1.x source addresses (so per-address caps do not interfere), and on each announces a
 * synchronizing literal of 64 KiB ({@code a LOGIN {65536}}) and, once invited with {@code +}, sends 60,000 octets
 * of it and stops there, stuck in the middle of the literal. When every connection is settled (stuck, or refused
 * with {@code BAD [LIMIT]} + {@code BYE}), it forces GC and prints the heap used (MemoryMXBean) and the direct
 * memory in use (where received bytes sit), each against the figure before the connections were opened.
 *
 * <p>One budget per JVM (a fresh JVM, so memory pooled by an earlier run does not blur the figures):
 * {@code deploy/bench/preauth-memory.sh [n (5000)]} runs it with the budget out of the way ({@code 2047MiB}, the
 * largest allowed: as before the budget existed) and with the default {@code 64MiB}. Each connection costs two
 * descriptors in this JVM (keep {@code 2n} under the open-files cap).
 */
public final class PreAuthMemoryBenchmark {
    private static final int LITERAL = 65_536;
    private static final int SENT = 60_000;
    private static final int BATCH = 250;
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Duration WATCHDOG = Duration.ofMinutes(5);

    private PreAuthMemoryBenchmark() {
    }

    /** One run's figures. */
    record Figures(String budget, int stuck, int refused, long heapBytes, long directBytes) {
    }

    /** @param args [connections (5000)] [limits.preauth_memory (64MiB; 2047MiB is the budget out of the way)] */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        String budget = args.length > 1 ? args[1] : "64MiB";
        Thread watchdog = new Thread(() -> {
            LockSupport.parkNanos(WATCHDOG.toNanos());
            System.err.println("watchdog: still running after " + WATCHDOG + ", exiting");
            System.exit(2);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Figures f = run(n, budget, budget);
        System.out.printf("%n%d connections, each: a LOGIN {%d}, then %d octets of the literal%n", n, LITERAL, SENT);
        System.out.printf("%-16s %8s %8s %10s %12s %11s%n", "preauth_memory", "stuck", "refused", "heap MiB",
                "direct MiB", "total MiB");
        System.out.printf("%-16s %8d %8d %10.1f %12.1f %11.1f%n", f.budget(), f.stuck(), f.refused(),
                mib(f.heapBytes()), mib(f.directBytes()), mib(f.heapBytes() + f.directBytes()));
        System.exit(0);
    }

    private static Figures run(int n, String budget, String label) throws Exception {
        try (PosternHarness postern = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["127.0.0.1:9"]
                    health: {enabled: false}
                routes:
                  default_pool: main
                limits:
                  preauth_memory: %s
                timeouts:
                  pre_auth_idle: 5m
                """.formatted(budget))) {
            long heap0 = heapAfterGc();
            long direct0 = direct();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            ByteBuf payload = Unpooled.unreleasableBuffer(
                    Unpooled.directBuffer(SENT).writeBytes("x".repeat(SENT).getBytes(StandardCharsets.US_ASCII)));
            AtomicInteger stuck = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CountDownLatch settled = new CountDownLatch(n);
            List<Channel> channels = new ArrayList<>(n);
            try {
                Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.SO_LINGER, 0)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new LineBasedFrameDecoder(1024),
                                        new StuckClient(payload, stuck, refused, settled));
                            }
                        });
                InetSocketAddress target = new InetSocketAddress("127.0.0.1", postern.plainPort());
                for (int i = 0; i < n; i += BATCH) {
                    List<ChannelFuture> batch = new ArrayList<>();
                    for (int j = i; j < Math.min(n, i + BATCH); j++) {
                        InetSocketAddress source = new InetSocketAddress("127.0.1." + (1 + j % 200), 0);
                        batch.add(bootstrap.connect(target, source));
                    }
                    for (ChannelFuture f : batch) {
                        f.syncUninterruptibly();
                        channels.add(f.channel());
                    }
                }
                if (!settled.await(SETTLE.toSeconds(), TimeUnit.SECONDS)) {
                    System.err.printf("%s: %d connections not settled within %s%n", label, settled.getCount(), SETTLE);
                }
                awaitQuiet(direct0);
                long heap = heapAfterGc() - heap0;
                long direct = direct() - direct0;
                System.out.printf("%s: %d stuck in their literal, %d refused; heap +%.1f MiB, direct +%.1f MiB%n",
                        label, stuck.get(), refused.get(), mib(heap), mib(direct));
                return new Figures(label, stuck.get(), refused.get(), heap, direct);
            } finally {
                channels.forEach(Channel::close);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /** Waits until Postern has read what was sent: direct memory stops changing for a second. */
    private static void awaitQuiet(long direct0) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = direct() - direct0;
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Direct memory in use: received bytes wait there in the framers' buffers. Netty's own count when it keeps
     * one (its default allocator, pooled or adaptive, allocates without a cleaner), else the JDK's direct pool.
     */
    private static long direct() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Greeting, then the literal's announcement; on {@code +} most of the literal; then nothing more. */
    private static final class StuckClient extends SimpleChannelInboundHandler<ByteBuf> {
        private final ByteBuf payload;
        private final AtomicInteger stuck;
        private final AtomicInteger refused;
        private final CountDownLatch settled;
        private boolean done;

        StuckClient(ByteBuf payload, AtomicInteger stuck, AtomicInteger refused, CountDownLatch settled) {
            this.payload = payload;
            this.stuck = stuck;
            this.refused = refused;
            this.settled = settled;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            String text = line.toString(StandardCharsets.US_ASCII);
            if (text.startsWith("* OK")) {
                ctx.writeAndFlush(Unpooled.copiedBuffer("a LOGIN {" + LITERAL + "}\r\n", StandardCharsets.US_ASCII));
            } else if (text.startsWith("+")) {
                ctx.writeAndFlush(payload.duplicate()).addListener(f -> settle(stuck));
            } else if (text.startsWith("a BAD") || text.startsWith("* BYE")) {
                settle(refused);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            settle(refused);
        }

        private void settle(AtomicInteger outcome) {
            if (!done) {
                done = true;
                outcome.incrementAndGet();
                settled.countDown();
            }
        }
    }
}
