package dev.postern.tls;

import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts for a client's finished TLS handshake on one listener: the handshake meter (outcome and a fixed
 * reason), resumption where the engine can tell, and one log line for a failure (never the bytes received).
 */
public final class HandshakeRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeRecorder.class);

    private final String listener;
    private final ProxyMetrics metrics;

    public HandshakeRecorder(String listener, ProxyMetrics metrics) {
        this.listener = listener;
        this.metrics = metrics;
    }

    /**
     * @param pipeline  the client's pipeline, holding the {@link SslHandler} whose handshake finished
     * @param sessionId for the log line
     * @param client    the client's address as text, for the log line
     * @return whether the handshake succeeded
     */
    public boolean record(SslHandshakeCompletionEvent done, ChannelPipeline pipeline, String sessionId,
                          String client) {
        if (done.isSuccess()) {
            metrics.tlsHandshake(listener, "ok", "none");
            SslHandler ssl = pipeline.get(SslHandler.class);
            if (ssl != null) {
                metrics.tlsProtocol(listener, ssl.engine().getSession().getProtocol());
            }
            if (ssl != null && Boolean.TRUE.equals(TlsSessions.resumed(ssl.engine()))) {
                metrics.tlsResumed(listener);
            }
            return true;
        }
        String reason = HandshakeFailures.reason(done.cause());
        metrics.tlsHandshake(listener, reason.equals("timeout") ? "timeout" : "failed", reason);
        if (RateLimitedLog.FAILURES.admit(Reason.TLS_HANDSHAKE_FAILED)) {
            LOG.info("[{}] TLS handshake with {} failed ({}): {}", sessionId, client, reason,
                    HandshakeFailures.describe(done.cause()));
        }
        return false;
    }
}
