package dev.postern.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.ListenerConfig;
import dev.postern.config.TlsConfig;
import dev.postern.metrics.MicrometerProxyMetrics;
import dev.postern.testing.TestCertificates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClientHello reading (SNI, ALPN, whether the client can verify ECDSA) on hand-built ClientHellos, and the
 * refusal path of {@link ClientHelloHandler} on an {@link EmbeddedChannel}.
 */
class ClientHelloTest {
    private static final int TLS13 = 0x0304;
    private static final int TLS12 = 0x0303;
    private static final int ECDSA_SECP256R1_SHA256 = 0x0403;
    private static final int RSA_PSS_RSAE_SHA256 = 0x0804;
    private static final int RSA_PKCS1_SHA256 = 0x0401;
    private static final int ECDHE_ECDSA_AES128_GCM = 0xC02B;
    private static final int ECDHE_RSA_AES128_GCM = 0xC02F;
    private static final int TLS_AES_128_GCM_SHA256 = 0x1301;

    /** A ClientHello body (what follows the 4-byte handshake header). */
    static final class Hello {
        private final ByteArrayOutputStream extensions = new ByteArrayOutputStream();
        private int[] suites = {TLS_AES_128_GCM_SHA256, ECDHE_ECDSA_AES128_GCM, ECDHE_RSA_AES128_GCM};

        Hello suites(int... values) {
            suites = values;
            return this;
        }

        Hello sni(String name) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            u16(e, n.length + 3);
            e.write(0);
            u16(e, n.length);
            e.writeBytes(n);
            return extension(0, e.toByteArray());
        }

        Hello alpn(String... protocols) {
            ByteArrayOutputStream list = new ByteArrayOutputStream();
            for (String p : protocols) {
                list.write(p.length());
                list.writeBytes(p.getBytes(StandardCharsets.US_ASCII));
            }
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            u16(e, list.size());
            e.writeBytes(list.toByteArray());
            return extension(16, e.toByteArray());
        }

        Hello signatureSchemes(int... schemes) {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            u16(e, schemes.length * 2);
            for (int s : schemes) {
                u16(e, s);
            }
            return extension(13, e.toByteArray());
        }

        Hello versions(int... versions) {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            e.write(versions.length * 2);
            for (int v : versions) {
                u16(e, v);
            }
            return extension(43, e.toByteArray());
        }

        private Hello extension(int type, byte[] data) {
            u16(extensions, type);
            u16(extensions, data.length);
            extensions.writeBytes(data);
            return this;
        }

        byte[] body() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            u16(b, TLS12);
            b.writeBytes(new byte[32]);
            b.write(0);
            u16(b, suites.length * 2);
            for (int s : suites) {
                u16(b, s);
            }
            b.write(1);
            b.write(0);
            u16(b, extensions.size());
            b.writeBytes(extensions.toByteArray());
            return b.toByteArray();
        }

        /** As a TLS record: record header, handshake header, body. */
        ByteBuf record() {
            byte[] body = body();
            ByteBuf out = Unpooled.buffer();
            out.writeByte(22).writeShort(0x0301).writeShort(body.length + 4);
            out.writeByte(1).writeMedium(body.length).writeBytes(body);
            return out;
        }

        ClientHello parse() {
            ByteBuf buf = Unpooled.wrappedBuffer(body());
            try {
                return ClientHello.parse(buf);
            } finally {
                buf.release();
            }
        }

        private static void u16(ByteArrayOutputStream out, int value) {
            out.write(value >> 8);
            out.write(value & 0xff);
        }
    }

    @Test
    void readsSniLowerCasedAndAlpn() {
        ClientHello hello = new Hello().sni("MAIL.Example.org").alpn("http/1.1", "imap").parse();
        assertEquals("mail.example.org", hello.serverName());
        assertEquals(List.of("http/1.1", "imap"), hello.alpn());
    }

    @Test
    void noAlpnExtensionIsNullNotEmpty() {
        assertNull(new Hello().sni("x.example").parse().alpn());
    }

    @Test
    void tls13ClientWithOnlyRsaSignatureSchemesCannotVerifyEcdsa() {
        ClientHello hello = new Hello().versions(TLS13, TLS12).signatureSchemes(RSA_PSS_RSAE_SHA256, RSA_PKCS1_SHA256).parse();
        assertFalse(hello.acceptsEcdsa());
    }

    @Test
    void tls13ClientWithAnEcdsaSchemeCanVerifyEcdsaWhateverItsTls12Suites() {
        ClientHello hello = new Hello().versions(TLS13, TLS12).suites(TLS_AES_128_GCM_SHA256, ECDHE_RSA_AES128_GCM)
                .signatureSchemes(RSA_PSS_RSAE_SHA256, ECDSA_SECP256R1_SHA256).parse();
        assertTrue(hello.acceptsEcdsa());
    }

    @Test
    void tls12ClientWithoutAnEcdsaSuiteCannotVerifyEcdsa() {
        ClientHello hello = new Hello().suites(ECDHE_RSA_AES128_GCM)
                .signatureSchemes(ECDSA_SECP256R1_SHA256, RSA_PKCS1_SHA256).parse();
        assertFalse(hello.acceptsEcdsa());
    }

    @Test
    void tls12ClientWithAnEcdsaSuiteButOnlyRsaSignaturesCannotVerifyEcdsa() {
        assertFalse(new Hello().suites(ECDHE_ECDSA_AES128_GCM, ECDHE_RSA_AES128_GCM).signatureSchemes(RSA_PKCS1_SHA256)
                .parse().acceptsEcdsa());
    }

    @Test
    void tls12ClientWithAnEcdsaSuiteAndNoSignatureAlgorithmsExtensionCanVerifyEcdsa() {
        assertTrue(new Hello().suites(ECDHE_ECDSA_AES128_GCM).parse().acceptsEcdsa());
    }

    @Test
    void truncatedOrAbsentHelloAssumesEcdsa() {
        assertTrue(ClientHello.parse(null).acceptsEcdsa());
        byte[] body = new Hello().suites(ECDHE_RSA_AES128_GCM).body();
        ByteBuf cut = Unpooled.wrappedBuffer(body, 0, 20);
        try {
            ClientHello hello = ClientHello.parse(cut);
            assertTrue(hello.acceptsEcdsa());
            assertNull(hello.serverName());
        } finally {
            cut.release();
        }
    }

    @Test
    void everyPrefixOfAHelloParsesWithoutThrowing() {
        byte[] body = new Hello().versions(TLS13).signatureSchemes(RSA_PSS_RSAE_SHA256).sni("a.example").alpn("imap").body();
        for (int n = 0; n <= body.length; n++) {
            ByteBuf prefix = Unpooled.wrappedBuffer(body, 0, n);
            try {
                ClientHello.parse(prefix);
            } finally {
                prefix.release();
            }
        }
        ByteBuf whole = Unpooled.wrappedBuffer(body);
        try {
            ClientHello hello = ClientHello.parse(whole);
            assertEquals("a.example", hello.serverName());
            assertFalse(hello.acceptsEcdsa());
        } finally {
            whole.release();
        }
    }

    @Test
    void aForeignAlpnIsAnsweredWithOneAlertAndCountedOnce(@TempDir Path dir) throws Exception {
        TestCertificates.selfSigned(dir, "ec", TestCertificates.KeyType.ECDSA_P256, "localhost", List.of("localhost"));
        TlsConfig config = TlsConfig.of(Map.of("certificate", dir.resolve("ec.crt"), "key", dir.resolve("ec.key"),
                "provider", "jdk"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerProxyMetrics metrics = new MicrometerProxyMetrics(registry);
        ListenerConfig listener = ListenerConfig.of(Map.of("name", "imaps", "bind", "127.0.0.1:0", "tls", "implicit"));
        try (ServerTls tls = ServerTls.load(config, Duration.ofSeconds(10))) {
            EmbeddedChannel channel = new EmbeddedChannel(tls.newClientHelloHandler(listener, metrics));
            channel.writeInbound(new Hello().alpn("http/1.1").record());
            ByteBuf alert = channel.readOutbound();
            try {
                assertArrayEquals(new byte[] {21, 3, 3, 0, 2, 2, 120}, ByteBufUtil.getBytes(alert));
            } finally {
                alert.release();
            }
            channel.runPendingTasks();
            assertFalse(channel.isOpen());
            channel.finishAndReleaseAll();
            assertEquals(1.0, registry.get("postern.tls.handshakes").tags("listener", "imaps", "outcome", "failed",
                    "reason", "alpn").counter().count());
        }
    }
}
