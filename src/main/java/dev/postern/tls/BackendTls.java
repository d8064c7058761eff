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
 * TLS to the backends of one pool (or to route targets no pool lists): the mode, and a client {@link SslContext}
 * whose handlers send SNI and check the backend's certificate as configured (CA and name, pin, or nothing).
 */
public final class BackendTls {
    private final String pool;
    /** Where the settings come from, for messages: "pool main has tls.mode", "routes.unlisted_targets has tls". */
    private final String setting;
    private final BackendTlsConfig config;
    private final SslContext context;
    private final Duration handshakeTimeout;
    /** The host name to send and check instead of the target's own (a pool backend reached by another spelling). */
    private final String nameOverride;

    BackendTls(String pool, String setting, BackendTlsConfig config, SslContext context, Duration handshakeTimeout) {
        this(pool, setting, config, context, handshakeTimeout, null);
    }

    private BackendTls(String pool, String setting, BackendTlsConfig config, SslContext context,
                       Duration handshakeTimeout, String nameOverride) {
        this.pool = pool;
        this.setting = setting;
        this.config = config;
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
        this.nameOverride = nameOverride;
    }

    /**
     * The same TLS, checking the certificate against {@code listed}'s host (unless {@code server_name} is set): for
     * a route target that is {@code listed} under another spelling (its IP address, say), so the backend is held to
     * the name the operator wrote in the pool.
     */
    public BackendTls as(HostPort listed) {
        return new BackendTls(pool, setting, config, context, handshakeTimeout, listed.host());
    }

    /** The pool's name, or null for route targets no pool lists. */
    public String pool() {
        return pool;
    }

    /** The setting that asks for this TLS, with its mode: "pool main has tls.mode: starttls". */
    public String setting() {
        return setting + ": " + config.mode().name().toLowerCase(Locale.ROOT);
    }

    public TlsMode mode() {
        return config.mode();
    }

    public BackendTlsConfig config() {
        return config;
    }

    /**
     * The name sent in SNI and checked against the certificate: the pool's {@code server_name}, else the listed
     * backend's host when reached by another spelling, else the host.
     */
    public String serverName(HostPort backend) {
        return config.serverName() != null ? config.serverName() : nameOverride != null ? nameOverride : backend.host();
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
