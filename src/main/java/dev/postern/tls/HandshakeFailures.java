package dev.postern.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/** Sorts handshake failures into a few reasons, for a metric tag and a one-line log. */
public final class HandshakeFailures {
    private HandshakeFailures() {
    }

    /** One of: timeout, not_tls, protocol_version, no_shared_cipher, certificate, closed, other. */
    public static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (t instanceof NotSslRecordException) {
                return "not_tls";
            }
            if (t instanceof ClosedChannelException) {
                return "closed";
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("close_notify")) {
                return "closed";
            }
            if (m.contains("wrong_version_number")) {
                return "protocol_version";
            }
            if (m.contains("curve") || m.contains("no_shared_group")) {
                return "no_shared_cipher";
            }
            // BoringSSL: UNSUPPORTED_PROTOCOL; JDK: "Client requested protocol TLSv1.1 is not enabled or supported"
            if (m.contains("protocol") && (m.contains("version") || m.contains("supported"))) {
                return "protocol_version";
            }
            if (m.contains("cipher") || m.contains("no_shared") || m.contains("handshake_failure")) {
                return "no_shared_cipher";
            }
            if (m.contains("certificate")) {
                return "certificate";
            }
        }
        return "other";
    }

    /**
     * The innermost message, without a stack trace. Never the bytes received: Netty's NotSslRecordException
     * carries a hex dump of them, and after STARTTLS those may be a plaintext LOGIN with a password.
     */
    public static String describe(Throwable failure) {
        Throwable c = failure;
        while (c.getCause() != null && c.getCause() != c) {
            if (c instanceof NotSslRecordException) {
                break;
            }
            c = c.getCause();
        }
        if (c instanceof NotSslRecordException) {
            return "not a TLS record";
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
