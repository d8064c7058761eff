package dev.postern.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;

/** A health check's phase: reads the backend's first line, succeeds on {@code * OK}, and closes the connection. */
final class GreetingProbeHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private final Promise<Void> result;

    GreetingProbeHandler(Promise<Void> result) {
        this.result = result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
        String text = line.toString(StandardCharsets.UTF_8);
        if (text.startsWith("* OK")) {
            result.trySuccess(null);
        } else {
            result.tryFailure(new IllegalStateException("greeting is not '* OK': "
                    + (text.length() > 80 ? text.substring(0, 80) : text)));
        }
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!result.isDone()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            result.tryFailure(new IllegalStateException("closed before greeting"));
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        result.tryFailure(new IllegalStateException("closed before greeting"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.tryFailure(cause);
        ctx.close();
    }
}
