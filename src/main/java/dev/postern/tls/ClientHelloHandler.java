package dev.postern.tls;

import dev.postern.config.ListenerConfig;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.PipelineNames;
import dev.postern.session.RateLimitedLog;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.SessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the ClientHello before any TLS engine does. ALPN (RFC 7301): a client that offers protocols but not
 * {@code imap} is refused with a fatal {@code no_application_protocol} alert — the ALPACA cross-protocol
 * mitigation — and with {@code alpn: required} so is a client that offers none. Otherwise the SNI name picks the
 * certificate set, the client's ECDSA support picks ECDSA or RSA within it, and an {@link SslHandler} takes this
 * handler's place; the buffered ClientHello flows into it.
 */
final class ClientHelloHandler extends SslClientHelloHandler<SslContext> {
    private static final Logger LOG = LoggerFactory.getLogger(ClientHelloHandler.class);

    /** TLS alert record: type 21, version 3.3, length 2, level fatal (2), no_application_protocol (120). */
    private static final byte[] NO_APPLICATION_PROTOCOL = {21, 3, 3, 0, 2, 2, 120};

    private final ServerTls tls;
    private final ListenerConfig listener;
    private final ProxyMetrics metrics;
    private final Duration timeout;
    private ScheduledFuture<?> timer;
    /** Set once the alert is written: the bytes still buffered (and any that follow) are dropped, not re-judged. */
    private boolean refused;

    ClientHelloHandler(ServerTls tls, ListenerConfig listener, ProxyMetrics metrics, Duration timeout) {
        this.tls = tls;
        this.listener = listener;
        this.metrics = metrics;
        this.timeout = timeout;
    }

    /** Refused during ClientHello inspection; the message is for the log. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        // The SslHandler's own timeout starts once it is in place; this one covers a client that sends nothing.
        timer = ctx.executor().schedule(() -> {
            if (!ctx.isRemoved()) {
                metrics.tlsHandshake(listener.name(), "timeout", "timeout");
                if (RateLimitedLog.FAILURES.admit(Reason.TLS_HANDSHAKE_FAILED)) {
                    LOG.info("[{}] no TLS ClientHello within {} ms", id(ctx), timeout.toMillis());
                }
                ctx.close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelTimer();
        super.handlerRemoved0(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) throws Exception {
        if (refused) {
            // Without this the decoder would look at the same ClientHello again on channelInactive (and count and
            // log the refusal once per look).
            in.skipBytes(in.readableBytes());
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        ClientHello hello = ClientHello.parse(clientHello);
        if (hello.alpn() != null && !hello.alpn().contains(ServerContextFactory.ALPN_IMAP)) {
            return ctx.executor().newFailedFuture(new Refused("client offered ALPN " + hello.alpn() + " without imap"));
        }
        if (hello.alpn() == null && listener.alpn() == ListenerConfig.Alpn.REQUIRED) {
            return ctx.executor().newFailedFuture(new Refused("client offered no ALPN and the listener requires imap"));
        }
        return ctx.executor().newSucceededFuture(tls.select(hello.serverName(), hello.acceptsEcdsa()));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<SslContext> future) {
        cancelTimer();
        if (!future.isSuccess()) {
            refused = true;
            metrics.tlsHandshake(listener.name(), "failed", "alpn");
            if (RateLimitedLog.FAILURES.admit(Reason.TLS_REFUSED)) {
                LOG.info("[{}] TLS refused: {}", id(ctx), future.cause().getMessage());
            }
            ctx.writeAndFlush(Unpooled.wrappedBuffer(NO_APPLICATION_PROTOCOL)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        SslHandler handler = tls.newHandler(future.getNow(), ctx.alloc());
        try {
            ctx.pipeline().replace(this, PipelineNames.TLS, handler);
        } catch (RuntimeException e) {
            io.netty.util.ReferenceCountUtil.safeRelease(handler.engine());
            throw e;
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private static String id(ChannelHandlerContext ctx) {
        SessionContext s = ctx.channel().attr(SessionContext.KEY).get();
        return s == null ? "-" : s.id();
    }
}
