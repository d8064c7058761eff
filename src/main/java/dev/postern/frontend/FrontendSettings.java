package dev.postern.frontend;

import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.BackendGateway;
import dev.postern.tls.ServerTls;

/** What one listener's sessions share: its config, the TLS context, the way to backends and the meters. */
public record FrontendSettings(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts, String greeting,
                               ServerTls tls, BackendGateway gateway, ProxyMetrics metrics) {
    /** The configured pre-auth bounds, in the framer's own terms. */
    public ImapCommandFramer.Limits framerLimits() {
        return framerLimits(limits);
    }

    /** Maps the configuration's pre-auth limits onto the framer (imap knows no config). */
    public static ImapCommandFramer.Limits framerLimits(LimitsConfig limits) {
        return new ImapCommandFramer.Limits(limits.maxLineBytes(), limits.maxLiteralBytes(), limits.maxLiterals(),
                limits.maxPipelinedBytes());
    }
}
