package dev.postern.backend;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.BackendConfig;
import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.PoolConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.Credentials;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.route.Pool;
import dev.postern.route.Router;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.testing.TestRouters;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.BackendTlsContexts;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway end to end over loopback sockets: a pool of two scripted backends, the real dialer, pipeline and
 * login handler. A backend that fails before the login is sent is failed over and marked; one that fails after
 * our login was written keeps the login: the second backend never sees a connection.
 */
class BackendConnectorTest {
    private static final String PASSWORD = TestSecrets.register("loopback-pass");
    /** One failure takes a backend down; no active checks. */
    private static final HealthConfig FALL_ONE = HealthConfig.of(Map.of("enabled", false, "interval", "1h",
            "timeout", "1s", "rise", 1, "fall", 1));

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final BackendHealth health = new BackendHealth();
    private final List<ServerSocket> servers = new ArrayList<>();

    /** What a scripted backend does with one accepted connection. */
    private interface Script {
        void run(Socket socket, BufferedReader in, OutputStream out) throws IOException;
    }

    /** A loopback backend running {@code script} for each connection, counting them. */
    private record Backend(HostPort address, AtomicInteger connections) {
    }

    private Backend backend(Script script) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(server);
        AtomicInteger connections = new AtomicInteger();
        threads.execute(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    script.run(s, new BufferedReader(new InputStreamReader(s.getInputStream(), US_ASCII)),
                            s.getOutputStream());
                } catch (IOException e) {
                    // closed by the test, or Postern hung up first
                }
            }
        });
        return new Backend(new HostPort("127.0.0.1", server.getLocalPort()), connections);
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(US_ASCII));
        out.flush();
    }

    @AfterEach
    void stop() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        threads.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Logs in as a user whose pool order is {@code first, second}; the result within a bound. */
    private Future<LoginResult> login(Backend first, Backend second) throws Exception {
        return login(first, second, false);
    }

    /** The same, with every backend of the pool draining or not. */
    private Future<LoginResult> login(Backend first, Backend second, boolean draining) throws Exception {
        PoolConfig config = PoolConfig.of("main", Map.of("backends", List.of(first.address(), second.address())));
        config.backends().forEach(b -> health.register(b.address(), FALL_ONE, draining));
        Pool pool = new Pool(config);
        String user = null;
        for (int i = 0; user == null; i++) {
            if (pool.orderFor("user" + i).get(0).equals(first.address())) {
                user = "user" + i;
            }
        }
        Router router = TestRouters.toPool(config, health);
        BackendDialer dialer = new BackendDialer(NioSocketChannel.class, new AddressResolver(threads),
                BackendTlsContexts.NONE, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS, java.util.Map.of());
        SessionContext session = SessionContext.create("test", new InetSocketAddress("127.0.0.1", 40000), null);
        Future<LoginResult> result = new BackendConnector(router, dialer, SessionCaps.unlimited()).login(session,
                new Credentials(user.getBytes(UTF_8), PASSWORD.getBytes(UTF_8)), 1, group.next());
        assertTrue(result.await(10, TimeUnit.SECONDS), "no answer within 10 s");
        return result;
    }

    private Backend answersOk() throws IOException {
        return backend((s, in, out) -> {
            send(out, "* OK [CAPABILITY IMAP4rev1] second ready");
            in.readLine();
            send(out, "P2 OK [CAPABILITY IMAP4rev1 XSECOND] Logged in");
            in.readLine(); // until Postern closes
        });
    }

    @Test
    void aBackendThatClosesBeforeItsGreetingIsFailedOverAndMarkedDown() throws Exception {
        Backend closes = backend((s, in, out) -> { });
        Backend second = answersOk();
        Future<LoginResult> result = login(closes, second);
        LoginResult.LoggedIn in = assertInstanceOf(LoginResult.LoggedIn.class, result.getNow());
        assertEquals(List.of("IMAP4rev1", "XSECOND"), in.capabilities());
        in.backend().close().syncUninterruptibly();
        assertFalse(health.isUp(closes.address()), "the failed backend was not marked");
        assertTrue(health.isUp(second.address()));
    }

    @Test
    void aBackendThatClosesAfterOurLoginKeepsTheLoginAndIsNotBlamed() throws Exception {
        Backend closesAfterLogin = backend((s, in, out) -> {
            send(out, "* OK [CAPABILITY IMAP4rev1] first ready");
            in.readLine(); // our LOGIN, then hang up
        });
        Backend second = answersOk();
        Future<LoginResult> result = login(closesAfterLogin, second);
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, result.cause());
        assertEquals(ProxyFailure.CONNECT, failure.failure());
        assertTrue(failure.credentialsSent());
        assertEquals(1, closesAfterLogin.connections().get());
        assertEquals(0, second.connections().get(), "the credentials went to a second backend");
        assertTrue(health.isUp(closesAfterLogin.address()), "a failure after the login counted against the backend");
    }

    @Test
    void aBackendAnsweringBadToOurLoginIsUnavailableNotAWrongPassword() throws Exception {
        Backend bad = backend((s, in, out) -> {
            send(out, "* OK [CAPABILITY IMAP4rev1] first ready");
            in.readLine();
            send(out, "P2 BAD Error in IMAP command LOGIN: Invalid arguments");
            in.readLine();
        });
        Backend second = answersOk();
        Future<LoginResult> result = login(bad, second);
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, result.cause());
        assertEquals(ProxyFailure.PROTOCOL, failure.failure());
        assertTrue(failure.failure().clientText().startsWith("[UNAVAILABLE]"));
        assertEquals(0, second.connections().get());
        assertTrue(health.isUp(bad.address()));
    }

    @Test
    void aPoolWhoseBackendsAllDrainIsUnavailableNotAWrongPassword() throws Exception {
        Backend first = answersOk();
        Backend second = answersOk();
        Future<LoginResult> drained = login(first, second, true);
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, drained.cause());
        assertTrue(failure.failure().clientText().startsWith("[UNAVAILABLE]"), failure.failure().clientText());
        assertFalse(failure.credentialsSent());

        // Down as well as draining: the same.
        for (int i = 0; i < FALL_ONE.fall(); i++) {
            health.recordFailure(first.address(), "test");
            health.recordFailure(second.address(), "test");
        }
        failure = assertInstanceOf(ProxyFailureException.class, login(first, second, true).cause());
        assertTrue(failure.failure().clientText().startsWith("[UNAVAILABLE]"), failure.failure().clientText());
        assertEquals(0, first.connections().get() + second.connections().get(), "a draining backend was tried");
    }
}
