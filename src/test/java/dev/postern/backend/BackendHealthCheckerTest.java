package dev.postern.backend;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.tls.BackendTlsContexts;
import dev.postern.testing.Ports;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Active health checks against real loopback servers: greeting, wrong greeting, silence, nothing listening. */
class BackendHealthCheckerTest {
    /** The shortest interval the config allows. */
    private static final HealthConfig FAST = HealthConfig.of(Map.of("interval", "100ms", "timeout", "300ms"));
    private static final Duration BOUND = Duration.ofSeconds(10);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ExecutorService resolver = Executors.newSingleThreadExecutor();
    private final List<FakeBackend> backends = new ArrayList<>();
    private final BackendHealth health = new BackendHealth();
    private BackendHealthChecker checker;

    /** Accepts connections and answers each with {@code greeting} (or nothing when null), counting them. */
    private final class FakeBackend implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();
        volatile String greeting;

        FakeBackend(String greeting) throws IOException {
            this.greeting = greeting;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "fake-backend-" + server.getLocalPort());
            t.setDaemon(true);
            t.start();
            backends.add(this);
        }

        HostPort address() {
            return new HostPort("127.0.0.1", server.getLocalPort());
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    String g = greeting;
                    if (g == null) {
                        open.add(s); // silent: keep it open until the checker gives up
                        continue;
                    }
                    try (s; OutputStream out = s.getOutputStream()) {
                        out.write((g + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed, or the checker hung up first
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (checker != null) {
            checker.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.shutdownNow();
        for (FakeBackend b : backends) {
            b.close();
        }
    }

    private void start() throws java.io.IOException {
        checker = new BackendHealthChecker(health, group.next(), new BackendDialer(NioSocketChannel.class,
                new AddressResolver(resolver), BackendTlsContexts.NONE, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS, java.util.Map.of()));
        checker.start();
    }

    @Test
    void aBackendThatGreetsStaysUpAndIsCheckedEveryInterval() throws Exception {
        FakeBackend ok = new FakeBackend("* OK [CAPABILITY IMAP4rev1] Dovecot ready.");
        health.register(ok.address(), FAST, false);
        start();
        await("three checks").atMost(BOUND).until(() -> ok.connections.get() >= 3);
        assertTrue(health.isUp(ok.address()));
    }

    @Test
    void aDownBackendThatGreetsAgainComesBackAfterRiseChecks() throws Exception {
        FakeBackend ok = new FakeBackend("* OK ready");
        health.register(ok.address(), FAST, false);
        health.recordFailure(ok.address(), "test");
        health.recordFailure(ok.address(), "test");
        assertFalse(health.isUp(ok.address()));
        start();
        await("back up").atMost(BOUND).until(() -> health.isUp(ok.address()));
        assertTrue(ok.connections.get() >= FAST.rise(), "up after fewer than rise checks: " + ok.connections.get());
    }

    @Test
    void nothingListeningTakesABackendDown() throws Exception {
        HostPort closed = new HostPort("127.0.0.1", Ports.closedPort());
        health.register(closed, FAST, false);
        start();
        await("down").atMost(BOUND).until(() -> !health.isUp(closed));
    }

    @Test
    void aBackendThatNeverGreetsGoesDownByTheTimeout() throws Exception {
        FakeBackend silent = new FakeBackend(null);
        health.register(silent.address(), FAST, false);
        start();
        await("down").atMost(BOUND).until(() -> !health.isUp(silent.address()));
        assertTrue(silent.connections.get() >= FAST.fall(), "down after fewer than fall checks");
    }

    @Test
    void aBackendThatGreetsWithoutOkGoesDown() throws Exception {
        FakeBackend bye = new FakeBackend("* BYE too many connections");
        health.register(bye.address(), FAST, false);
        start();
        await("down").atMost(BOUND).until(() -> !health.isUp(bye.address()));
    }

    @Test
    void aBackendThatStopsGreetingGoesDownAndReturnsWhenItGreetsAgain() throws Exception {
        FakeBackend flaky = new FakeBackend("* OK ready");
        health.register(flaky.address(), FAST, false);
        start();
        await("checked").atMost(BOUND).until(() -> flaky.connections.get() >= 2);
        assertTrue(health.isUp(flaky.address()));

        flaky.greeting = "* BYE maintenance";
        await("down").atMost(BOUND).until(() -> !health.isUp(flaky.address()));
        flaky.greeting = "* OK back";
        await("up again").atMost(BOUND).until(() -> health.isUp(flaky.address()));
    }

    @Test
    void aBackendWithChecksDisabledIsNotContacted() throws Exception {
        FakeBackend checked = new FakeBackend("* OK ready");
        FakeBackend unchecked = new FakeBackend("* OK ready");
        health.register(checked.address(), FAST, false);
        health.register(unchecked.address(), HealthConfig.of(Map.of("enabled", false, "interval", "100ms", "timeout", "300ms")), false);
        start();
        await("five checks of the other backend").atMost(BOUND).until(() -> checked.connections.get() >= 5);
        assertEquals(0, unchecked.connections.get());
    }
}
