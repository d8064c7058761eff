package dev.postern.relay;

import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.SessionRecord;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Sits just before a {@link RelayHandler} and tells the {@link SessionRecord} what passes: octets read on this side
 * (client to backend on the client's channel, backend to client on the backend's; the bytes meters count them
 * too) and, first come first told, why
 * the session ends: this side closed, an error on it, or the relay's idle timer fired. Each read also resets that
 * timer ({@link RelayIdle}).
 */
final class RelayMeter extends ChannelInboundHandlerAdapter {
    private final SessionRecord record;
    private final boolean clientSide;
    private final ProxyMetrics metrics;
    private final RelayIdle idle;

    RelayMeter(SessionRecord record, boolean clientSide, ProxyMetrics metrics, RelayIdle idle) {
        this.record = record;
        this.clientSide = clientSide;
        this.metrics = metrics;
        this.idle = idle;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        idle.touch();
        if (msg instanceof ByteBuf buf) {
            metrics.relayed(clientSide, buf.readableBytes());
            if (clientSide) {
                record.fromClient(buf.readableBytes());
            } else {
                record.toClient(buf.readableBytes());
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        record.ending(clientSide ? "client closed" : "backend closed");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        record.ending("error");
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            record.ending("idle timeout");
        }
        ctx.fireUserEventTriggered(evt);
    }
}
