package dev.postern.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backend client contexts on both TLS providers (BoringSSL and the JDK's) against a real Dovecot with a
 * certificate from a test CA: what each verification setting accepts, and the words a refusal is logged with.
 */
class BackendTlsContextsIT {
    private static Path pki;
    private static TestPki.Ca ca;
    private static TestPki.Ca otherCa;
    private static TestPki.Leaf leaf;
    private static DovecotServer dovecot;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws IOException {
        pki = Files.createTempDirectory("postern-tls-ctx-");
        ca = TestPki.ca(pki, "ca", "Contexts Test CA");
        otherCa = TestPki.ca(pki, "other", "Other CA");
        leaf = ca.issue(pki, "backend", List.of("localhost", "127.0.0.1"));
        dovecot = DovecotServer.builder().user("nobody-logs-in", "Unused-pass-91ab").tls(leaf.chainFile(), leaf.keyFile())
                .start();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws IOException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (dovecot != null) {
            dovecot.close();
        }
        try (Stream<Path> files = Files.walk(pki)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** {@code pools.p.tls} by key name; the mode is always implicit here. */
    private static Map<String, Object> tls(Map<String, ?> settings) {
        Map<String, Object> tls = new HashMap<>(settings);
        tls.put("mode", "implicit");
        return tls;
    }

    /** Null when the handshake with Dovecot's implicit-TLS port succeeds, else the failure reason. */
    private static String handshake(String provider, String host, Map<String, ?> tls) throws Exception {
        HostPort backend = new HostPort(host, dovecot.tlsPort());
        PoolConfig pool = PoolConfig.of("p", Map.of("backends", List.of(backend), "tls", tls));
        try (BackendTlsContexts contexts = BackendTlsContexts.build(Map.of("p", pool), provider, Duration.ofSeconds(5))) {
            BackendTls backendTls = contexts.forBackend(backend);
            assertNotNull(backendTls);
            Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(backendTls.newHandler(ch.alloc(), backend));
                        }
                    })
                    .connect("127.0.0.1", dovecot.tlsPort()).sync().channel();
            try {
                Future<Channel> done = channel.pipeline().get(SslHandler.class).handshakeFuture();
                assertTrue(done.await(10, TimeUnit.SECONDS), "handshake within 10 s");
                return done.isSuccess() ? null : BackendTls.failureReason(done.cause());
            } finally {
                channel.close().sync();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void theConfiguredCaAndTheRightNameAreAccepted(String provider) throws Exception {
        assertEquals(null, handshake(provider, "127.0.0.1", tls(Map.of("ca", ca.certificateFile()))));
        assertEquals(null, handshake(provider, "localhost", tls(Map.of("ca", ca.certificateFile()))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void anotherNameIsAMismatch(String provider) throws Exception {
        String reason = handshake(provider, "127.0.0.1", tls(Map.of("ca", ca.certificateFile(), "server_name", "wrong.example")));
        assertTrue(reason.startsWith("certificate name mismatch"), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void anotherCaIsUnknown(String provider) throws Exception {
        String reason = handshake(provider, "127.0.0.1", tls(Map.of("ca", otherCa.certificateFile())));
        assertTrue(reason.startsWith("unknown CA"), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void pinsDecideAlone(String provider) throws Exception {
        String right = leaf.sha256().replace(":", "").toLowerCase();
        // the pin needs no CA and no matching name
        assertEquals(null, handshake(provider, "127.0.0.1", tls(Map.of("server_name", "wrong.example", "pin_sha256", List.of(right)))));
        String reason = handshake(provider, "127.0.0.1", tls(Map.of("pin_sha256", List.of("0".repeat(64)))));
        assertTrue(reason.startsWith("pin mismatch: the backend's certificate"), reason);
        assertTrue(reason.contains(leaf.sha256()), reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void insecureAcceptsAnything(String provider) throws Exception {
        assertEquals(null, handshake(provider, "127.0.0.1", tls(Map.of("server_name", "wrong.example", "insecure", true))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void anUnsupportedCipherStopsTheStart(String provider) {
        PoolConfig pool = PoolConfig.of("legacy", Map.of("backends", List.of("127.0.0.1:993"), "tls", Map.of("mode",
                "implicit", "ciphers", List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_NOT_A_SUITE"))));
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> BackendTlsContexts.build(Map.of("legacy", pool), provider, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().startsWith("pools.legacy.tls.ciphers: 'TLS_NOT_A_SUITE' not supported by the "),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk"})
    void theJdkProviderCannotSpeakTls10(String provider) {
        PoolConfig pool = PoolConfig.of("legacy", Map.of("backends", List.of("127.0.0.1:993"), "tls", Map.of("mode",
                "implicit", "protocols", List.of("TLSv1"), "ciphers", List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"))));
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> BackendTlsContexts.build(Map.of("legacy", pool), provider, Duration.ofSeconds(5)));
        assertEquals("pools.legacy.tls.protocols: none of [TLSv1] is supported by the JDK TLS provider", e.getMessage());
    }
}
