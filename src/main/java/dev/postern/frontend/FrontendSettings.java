package dev.postern.frontend;

import dev.postern.auth.LoginPenalties;
import dev.postern.auth.SaslMechanisms;
import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.MemoryBudget;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.BackendGateway;
import dev.postern.tls.ServerTls;

/**
 * What one listener's sessions share: its config, the TLS context, the way to backends, the meters, the failure
 * delays and the pre-auth memory budget (one {@link LoginPenalties} and one {@link MemoryBudget} for every listener
 * of the process, so an address is counted wherever it comes in).
 */
public record FrontendSettings(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts, String greeting,
                               ServerTls tls, BackendGateway gateway, ProxyMetrics metrics, LoginPenalties penalties,
                               MemoryBudget preAuthMemory) {

    /** With a budget of its own, sized by {@code limits.preauth_memory} (tests; a server shares one). */
    public FrontendSettings(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts, String greeting,
                            ServerTls tls, BackendGateway gateway, ProxyMetrics metrics, LoginPenalties penalties) {
        this(listener, limits, timeouts, greeting, tls, gateway, metrics, penalties,
                new MemoryBudget(limits.preauthMemory()));
    }

    /** The AUTHENTICATE mechanisms of this listener ({@code listeners[].sasl}). */
    public SaslMechanisms mechanisms() {
        return SaslMechanisms.named(listener.sasl());
    }

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
