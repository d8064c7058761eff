package dev.postern.tls;

import dev.postern.config.BackendTlsConfig;
import dev.postern.config.HostPort;
import dev.postern.config.TlsMode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * TLS to the backends of one pool: the mode, and a client {@link SslContext} whose handlers send SNI and check
 * the backend's certificate as the pool says (CA and name, pin, or nothing).
 */
public final class BackendTls {
    private final String pool;
    private final BackendTlsConfig config;
    private final SslContext context;
    private final Duration handshakeTimeout;

    BackendTls(String pool, BackendTlsConfig config, SslContext context, Duration handshakeTimeout) {
        this.pool = pool;
        this.config = config;
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
    }

    public String pool() {
        return pool;
    }

    public TlsMode mode() {
        return config.mode();
    }

    public BackendTlsConfig config() {
        return config;
    }

    /** The name sent in SNI and checked against the certificate: the pool's {@code server_name}, else the host. */
    public String serverName(HostPort backend) {
        return config.serverName() != null ? config.serverName() : backend.host();
    }

    /**
     * A client-side TLS handler for one connection to {@code backend}; add it to a pipeline at once (its engine
     * is released when the handler leaves the pipeline).
     */
    public SslHandler newHandler(ByteBufAllocator alloc, HostPort backend) {
        SslHandler handler = context.newHandler(alloc, serverName(backend), backend.port());
        handler.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return handler;
    }

    /**
     * Why a handshake failed, in words for one log line: certificate name mismatch, unknown CA, pin mismatch,
     * expired certificate, timeout, or the TLS library's own message (a protocol or cipher mismatch).
     */
    public static String failureReason(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 12 && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        for (Throwable t : chain) {
            if (t instanceof PinningTrustManager.PinMismatchException) {
                return t.getMessage();
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "handshake timed out (" + t.getMessage() + ")";
            }
            if (t instanceof CertificateExpiredException) {
                return "certificate expired (" + t.getMessage() + ")";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid (" + t.getMessage() + ")";
            }
        }
        for (Throwable t : chain) {
            String message = String.valueOf(t.getMessage());
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("subject alternative") || lower.contains("no name matching")
                    || lower.contains("hostname") && lower.contains("match")) {
                return "certificate name mismatch (" + bounded(message) + ")";
            }
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || lower.contains("unable to find valid certification path") || lower.contains("pkix path")) {
                return "unknown CA: the certificate does not chain to a trusted CA ("
                        + bounded(innermostMessage(t)) + ")";
            }
        }
        Throwable deepest = chain.get(chain.size() - 1);
        String message = deepest.getMessage();
        return message == null || message.isBlank() ? deepest.getClass().getSimpleName() : bounded(message);
    }

    private static String innermostMessage(Throwable t) {
        String message = t.getMessage();
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                message = c.getMessage();
            }
        }
        return String.valueOf(message);
    }

    /** One log line's worth: the JDK's name-check message lists the whole chain. */
    private static String bounded(String message) {
        String oneLine = message.replaceAll("[\\r\\n]+", " ");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
