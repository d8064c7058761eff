package dev.postern.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay's idle timeout ({@code timeouts.post_login_idle}): the session is idle when neither side has read
 * anything for that long. Both {@link RelayMeter}s {@link #touch} it on every read; one timer per session, on the
 * session's event loop, checks when the time could be up and fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} down
 * the client's pipeline (the relay closes both sides on it). Unlike Netty's IdleStateHandler it never looks at
 * writes, so every relayed write keeps its void promise: no promise and listener allocated per write. A read on the
 * backend's side is what a write to the client follows, so the two measure the same traffic.
 */
final class RelayIdle extends ChannelInboundHandlerAdapter {
    private final long idleNanos;
    /** The event loop's clock (a test's mock clock in an EmbeddedChannel); set when added. */
    private Ticker ticker = Ticker.systemTicker();
    private long lastRead;
    private ScheduledFuture<?> check;

    RelayIdle(Duration idle) {
        this.idleNanos = idle.toNanos();
    }

    /** A read on either side; called on the session's event loop. */
    void touch() {
        lastRead = ticker.nanoTime();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ticker = ctx.executor().ticker();
        lastRead = ticker.nanoTime();
        schedule(ctx, idleNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long quiet = ticker.nanoTime() - lastRead;
        if (quiet >= idleNanos) {
            ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        } else {
            schedule(ctx, idleNanos - quiet);
        }
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
