package dev.postern.frontend;

import dev.postern.config.ClientAddressSet;
import dev.postern.config.ProxyProtocolConfig;
import dev.postern.config.TlsMode;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.ImapResponseEncoder;
import dev.postern.session.PipelineNames;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import dev.postern.session.SessionContext;
import dev.postern.session.SessionLog;
import dev.postern.session.SessionRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a client connection's pipeline (see {@link PipelineNames}): TLS first on an implicit-TLS listener,
 * then the pre-auth idle timer, the command framer, the response encoder and the pre-auth state machine. A
 * connection the {@link ConnectionGate} refuses gets none of that: on a plain or STARTTLS listener one
 * {@code * BYE} line, on an implicit-TLS listener a close before any TLS work (no handler, no ClientHello read).
 *
 * <p>On a listener with {@code proxy_protocol}, a connection from one of its trusted load balancers first reads
 * the balancer's PROXY header ({@link ProxyHeaderHandler}), before TLS; only then, with the client's address from
 * the header, does it meet the gate and get the pipeline above. Connections from anywhere else go straight on: to
 * them a PROXY header is just bytes that are not IMAP (or not TLS).
 */
public final class FrontendInitializer extends ChannelInitializer<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(FrontendInitializer.class);

    /**
     * What a v2 header may carry besides the addresses (TLVs: a balancer's connection id, TLS facts, cloud endpoint
     * ids): ample for what balancers send, small enough that a header costs a connection little.
     */
    static final int MAX_PROXY_TLV_BYTES = 2048;

    private final FrontendSettings settings;
    private final ConnectionGate gate;
    private final java.util.function.Consumer<Channel> onAccept;
    /** The listener's load balancers; null when it takes no PROXY headers. */
    private final ClientAddressSet balancers;

    /**
     * @param gate the connection caps shared by every listener
     * @param onAccept called for each admitted connection (registry, counters) before its pipeline runs
     */
    public FrontendInitializer(FrontendSettings settings, ConnectionGate gate,
                               java.util.function.Consumer<Channel> onAccept) {
        this.settings = settings;
        this.gate = gate;
        this.onAccept = onAccept;
        ProxyProtocolConfig proxy = settings.listener().proxyProtocol();
        this.balancers = proxy == null ? null : proxy.trustedAddresses();
    }

    @Override
    protected void initChannel(Channel ch) {
        String listener = settings.listener().name();
        SessionContext session = SessionContext.create(listener, inet(ch.remoteAddress()), inet(ch.localAddress()));
        ch.attr(SessionContext.KEY).set(session);
        if (balancers != null && session.client() != null && balancers.test(session.client().getAddress())) {
            ch.pipeline().addLast(PipelineNames.PROXY_DECODER, new HAProxyMessageDecoder(MAX_PROXY_TLV_BYTES));
            ch.pipeline().addLast(PipelineNames.PROXY_HEADER,
                    new ProxyHeaderHandler(settings.timeouts().proxyHeader(), this::open));
        } else {
            open(ch, session);
        }
    }

    /** The session's client meets the gate, then gets the listener's pipeline; or is refused. */
    private void open(Channel ch, SessionContext session) {
        ConnectionGate.Admission admission = gate.admit(session.client() == null ? null : session.client().getAddress());
        if (!admission.admitted()) {
            refuse(ch, session, admission.refusal());
            return;
        }
        // closeFuture completes once for every channel, also one closed before it became active
        ch.closeFuture().addListener(f -> admission.release());
        SessionRecord record = new SessionRecord(session);
        ch.attr(SessionRecord.KEY).set(record);
        ch.closeFuture().addListener(f -> SessionLog.ended(record));
        onAccept.accept(ch);
        var p = ch.pipeline();
        if (settings.listener().tls() == TlsMode.IMPLICIT) {
            p.addLast(PipelineNames.TLS, settings.tls().newClientHelloHandler(settings.listener(), settings.metrics()));
        }
        p.addLast(PipelineNames.PRE_AUTH_IDLE,
                new IdleStateHandler(settings.timeouts().preAuthIdle().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ImapCommandFramer framer = new ImapCommandFramer(settings.framerLimits(), settings.preAuthMemory());
        p.addLast(PipelineNames.CMD_FRAMER, framer);
        p.addLast(PipelineNames.RESP_ENCODER, ImapResponseEncoder.INSTANCE);
        p.addLast(PipelineNames.PRE_AUTH, new PreAuthHandler(settings, framer));
    }

    private void refuse(Channel ch, SessionContext session, ConnectionGate.Refusal refusal) {
        if (RateLimitedLog.FAILURES.admit(Reason.LIMIT_HIT)) {
            LOG.info("[{}] {} refused at accept: limits.{}", session.id(), session.clientText(), refusal.limit());
        }
        if (settings.listener().tls() == TlsMode.IMPLICIT) {
            ch.close();
        } else {
            ch.writeAndFlush(Unpooled.copiedBuffer(refusal.bye(), StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Test channels have no IP address; the session then says "unknown". */
    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : null;
    }
}
