package dev.postern.frontend;

import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import dev.postern.session.SessionContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first phase of a connection from a trusted load balancer: its PROXY protocol header, which Netty's
 * {@code HAProxyMessageDecoder} just in front of this handler decodes (v1 text or v2 binary, bounded in size). The
 * whole header must arrive within {@code timeouts.proxy_header}; anything else (no header, a broken or oversized one,
 * a close before it) closes the connection with a log line, before any IMAP or TLS byte is spoken.
 *
 * <p>{@code PROXY} with a TCP source: that source and destination become the session's addresses, and the session
 * opens as if the client had connected directly ({@code open}: the connection caps, then the listener's pipeline,
 * which gets the channel-active event the balancer's connect already spent). {@code LOCAL} (a balancer's health
 * check) is closed quietly. {@code UNKNOWN}, UDP and UNIX sources keep the balancer's own addresses, as the
 * protocol's text asks of a receiver. The bytes after the header (a ClientHello, a pipelined command) follow it
 * unchanged: the decoder hands them on when it removes itself, and by then this handler is gone too.
 */
final class ProxyHeaderHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHeaderHandler.class);

    private final Duration deadline;
    private final BiConsumer<Channel, SessionContext> open;
    private ScheduledFuture<?> timer;
    private boolean done;

    /** @param open admits the session with its new addresses and builds the listener's pipeline after this handler */
    ProxyHeaderHandler(Duration deadline, BiConsumer<Channel, SessionContext> open) {
        this.deadline = deadline;
        this.open = open;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> refuse(ctx, "no whole PROXY header within " + deadline.toMillis()
                + " ms"), deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Held back: the session's own handlers get it once the header has named the client.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            onHeader(ctx, header);
        } finally {
            ReferenceCountUtil.release(header);
        }
    }

    private void onHeader(ChannelHandlerContext ctx, HAProxyMessage header) {
        stopTimer();
        done = true;
        SessionContext session = ctx.channel().attr(SessionContext.KEY).get();
        if (header.command() == HAProxyCommand.LOCAL) {
            LOG.debug("[{}] PROXY LOCAL from {} (a health check): closing", session.id(), session.clientText());
            ctx.close();
            return;
        }
        SessionContext named = withHeaderAddresses(session, header);
        if (named != session) {
            LOG.debug("[{}] PROXY header from {}: client {}", session.id(), session.clientText(), named.clientText());
        }
        ctx.channel().attr(SessionContext.KEY).set(named);
        open.accept(ctx.channel(), named);
        if (ctx.channel().isOpen()) {
            ctx.fireChannelActive();
        }
        ctx.pipeline().remove(this);
    }

    /** The session with the header's TCP addresses; itself for a header that names none. */
    static SessionContext withHeaderAddresses(SessionContext session, HAProxyMessage header) {
        HAProxyProxiedProtocol.TransportProtocol transport = header.proxiedProtocol().transportProtocol();
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        boolean ip = family == HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                || family == HAProxyProxiedProtocol.AddressFamily.AF_IPv6;
        if (transport != HAProxyProxiedProtocol.TransportProtocol.STREAM || !ip) {
            return session;
        }
        // The decoder has checked both texts are address literals of the family; NetUtil never asks DNS.
        InetAddress source = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        InetAddress destination = NetUtil.createInetAddressFromIpAddressString(header.destinationAddress());
        if (source == null || destination == null) {
            return session;
        }
        return session.withAddresses(new InetSocketAddress(source, header.sourcePort()),
                new InetSocketAddress(destination, header.destinationPort()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
            refuse(ctx, "closed before a whole PROXY header");
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!done) {
            String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            refuse(ctx, "bad PROXY header: " + (reason.length() > 200 ? reason.substring(0, 200) + "..." : reason));
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopTimer();
        if (!done) {
            done = true;
            return; // closed before a header: nothing to pass on, the session never started
        }
        ctx.fireChannelInactive();
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        if (done) {
            return;
        }
        done = true;
        stopTimer();
        SessionContext session = ctx.channel().attr(SessionContext.KEY).get();
        if (RateLimitedLog.FAILURES.admit(Reason.PROTOCOL_VIOLATION)) {
            LOG.info("[{}] closing {} (a trusted load balancer): {}", session.id(), session.clientText(), why);
        }
        ctx.close();
    }

    private void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
