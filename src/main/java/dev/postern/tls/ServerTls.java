package dev.postern.tls;

import dev.postern.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing TLS context. Built once at start; held in an {@link AtomicReference} so a rotated
 * certificate can be swapped in for new handshakes without touching open sessions.
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /** TLS 1.2 and 1.3 only (RFC 8996 retired 1.0/1.1). */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** AEAD suites with forward secrecy only; TLS 1.3 suites are all AEAD. Server order wins. */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final AtomicReference<SslContext> context = new AtomicReference<>();
    private final Duration handshakeTimeout;

    private ServerTls(SslContext initial, Duration handshakeTimeout) {
        this.context.set(initial);
        this.handshakeTimeout = handshakeTimeout;
    }

    public static ServerTls load(TlsConfig config, Duration handshakeTimeout) throws TlsSetupException {
        return new ServerTls(build(config.certificate(), config.key()), handshakeTimeout);
    }

    /** The provider Postern uses: BoringSSL when netty-tcnative loads, else the JDK's (one log line says so). */
    public static SslProvider provider() {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        LOG.warn("OpenSSL (netty-tcnative BoringSSL) unavailable, using the JDK TLS provider: {}",
                String.valueOf(OpenSsl.unavailabilityCause()));
        return SslProvider.JDK;
    }

    static SslContext build(Path certificate, Path key) throws TlsSetupException {
        requireReadable(certificate, "tls.certificate");
        requireReadable(key, "tls.key");
        List<X509Certificate> chain = CertificateFiles.readChain(certificate);
        CertificateFiles.requireMatch(chain.get(0), CertificateFiles.readKey(key), certificate, key);
        warnIfNotValidNow(chain.get(0), certificate);
        try {
            SslProvider provider = provider();
            SslContext ctx = SslContextBuilder.forServer(certificate.toFile(), key.toFile())
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS)
                    .clientAuth(ClientAuth.NONE)
                    .applicationProtocolConfig(ApplicationProtocolConfig.DISABLED)
                    .build();
            LOG.info("TLS ready: provider {}, protocols {}, certificate {} ({}, valid until {})", provider, PROTOCOLS,
                    certificate, chain.get(0).getSubjectX500Principal().getName(), chain.get(0).getNotAfter().toInstant());
            return ctx;
        } catch (Exception e) {
            throw new TlsSetupException("tls: cannot use certificate " + certificate + " with key " + key + ": "
                    + rootMessage(e), e);
        }
    }

    private static void warnIfNotValidNow(X509Certificate cert, Path file) {
        try {
            cert.checkValidity();
        } catch (java.security.cert.CertificateExpiredException e) {
            LOG.warn("tls.certificate: {} expired on {}: clients will refuse it", file, cert.getNotAfter().toInstant());
        } catch (java.security.cert.CertificateNotYetValidException e) {
            LOG.warn("tls.certificate: {} is not valid before {}", file, cert.getNotBefore().toInstant());
        }
    }

    private static void requireReadable(Path file, String key) throws TlsSetupException {
        if (file == null) {
            throw new TlsSetupException(key + ": not configured", null);
        }
        if (!Files.isRegularFile(file)) {
            throw new TlsSetupException(key + ": " + file + ": file not found", null);
        }
        try {
            Files.newInputStream(file).close();
        } catch (IOException e) {
            throw new TlsSetupException(key + ": " + file + ": not readable (" + e.getMessage() + ")", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /**
     * A new TLS handler from the current context.
     *
     * @param startTls true after STARTTLS: the first write (our {@code OK}) leaves in plaintext
     */
    public SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
        SslHandler handler = new SslHandler(context.get().newEngine(alloc), startTls);
        handler.setHandshakeTimeout(handshakeTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return handler;
    }
}
