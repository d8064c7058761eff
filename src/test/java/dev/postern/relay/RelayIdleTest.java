package dev.postern.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.SessionRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The relay's idle timer on a mock clock: it fires once neither side has read for the idle time, a read on either
 * side puts it off, writes do not count, and a closed session leaves no timer behind.
 */
class RelayIdleTest {
    private static final Duration IDLE = Duration.ofMinutes(31);

    private final List<Object> events = new ArrayList<>();
    private final RelayIdle idle = new RelayIdle(IDLE);
    private final EmbeddedChannel front = new EmbeddedChannel();

    RelayIdleTest() {
        front.freezeTime();
        front.pipeline().addLast(idle, new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
    }

    private void advance(Duration by) {
        front.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        front.runScheduledPendingTasks();
    }

    @Test
    void firesAfterTheIdleTimeWithoutReadsAndOnlyOnce() {
        advance(IDLE.minusSeconds(1));
        assertTrue(events.isEmpty());
        advance(Duration.ofSeconds(1));
        assertEquals(List.of(IdleStateEvent.ALL_IDLE_STATE_EVENT), events);
        advance(IDLE.multipliedBy(3));
        assertEquals(1, events.size(), "one event; the relay closes on it");
    }

    @Test
    void aReadOnEitherSidePutsItOffByTheWholeIdleTime() {
        advance(IDLE.minusMinutes(1));
        idle.touch(); // e.g. the backend's meter
        advance(IDLE.minusSeconds(1));
        assertTrue(events.isEmpty(), "read 30 min 59 s ago");
        advance(Duration.ofSeconds(1));
        assertEquals(1, events.size());
    }

    @Test
    void aMeterTouchesItOnEveryRead() {
        EmbeddedChannel back = new EmbeddedChannel();
        back.pipeline().addLast(new RelayMeter(SessionRecord.of(back), false, ProxyMetrics.NOOP, idle));
        advance(IDLE.minusMinutes(1));
        back.writeInbound(Unpooled.wrappedBuffer(new byte[] {'*', ' ', 'O', 'K', '\r', '\n'}));
        advance(IDLE.minusSeconds(1));
        assertTrue(events.isEmpty());
        back.finishAndReleaseAll();
    }

    @Test
    void writesDoNotCount() {
        advance(IDLE.minusMinutes(1));
        front.writeOutbound(Unpooled.wrappedBuffer(new byte[] {'x'}));
        advance(Duration.ofMinutes(1));
        assertEquals(1, events.size(), "only reads keep a session alive");
        front.finishAndReleaseAll();
    }

    @Test
    void aClosedSessionLeavesNoTimer() {
        front.close();
        advance(IDLE.multipliedBy(2));
        assertTrue(events.isEmpty());
        assertFalse(front.hasPendingTasks());
    }
}
