package dev.postern.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies what one channel reads to its peer. Both channels share an event loop, so no locks. Backpressure:
 * when the peer stops being writable this side stops reading, and reading resumes when the peer drains.
 * A side that closes has its peer flushed, then closed; a side that half-closes has its peer's output shut, with a
 * TLS close_notify first where the peer speaks TLS ({@link OutputShutdown}).
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RelayHandler.class);

    private final Channel peer;
    private final String sessionId;
    private boolean pendingFlush;

    public RelayHandler(Channel peer, String sessionId) {
        this.peer = peer;
        this.sessionId = sessionId;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.write(msg, peer.voidPromise());
        pendingFlush = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pendingFlush) {
            pendingFlush = false;
            peer.flush();
        }
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** This side drained: let the peer read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            OutputShutdown.shutdown(peer);
            if (ctx.channel() instanceof DuplexChannel self && self.isOutputShutdown()) {
                ctx.close();
            }
        } else if (evt instanceof IdleStateEvent) {
            LOG.info("[{}] relay idle timeout, closing", sessionId);
            ctx.close();
            closeAfterFlush(peer);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The class only: some exception messages carry the bytes received (hex dumps of mail, or worse).
        LOG.debug("[{}] relay error on {}: {}", sessionId, ctx.channel(), cause.getClass().getName());
        ctx.close();
        closeAfterFlush(peer);
    }

    static void closeAfterFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
