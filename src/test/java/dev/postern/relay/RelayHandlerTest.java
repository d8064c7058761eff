package dev.postern.relay;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The byte relay on real (embedded) channels: order, backpressure both ways, close propagation, idle. */
class RelayHandlerTest {
    private EmbeddedChannel front;
    private EmbeddedChannel back;

    @BeforeEach
    void wire() {
        front = new EmbeddedChannel();
        back = new EmbeddedChannel();
        front.pipeline().addLast(new RelayHandler(back, "test"));
        back.pipeline().addLast(new RelayHandler(front, "test"));
    }

    @AfterEach
    void release() {
        front.finishAndReleaseAll();
        back.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, US_ASCII);
    }

    @Test
    void bytesFlowBothWaysInOrder() {
        front.writeInbound(bytes("a1 "), bytes("a2 "), bytes("a3"));
        back.writeInbound(bytes("* OK "), bytes("b1"));
        assertEquals("a1 a2 a3", Outbound.drain(back));
        assertEquals("* OK b1", Outbound.drain(front));
    }

    @Test
    void aSideStopsReadingWhileItsPeerIsNotWritableAndResumesWhenItDrains() {
        back.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertFalse(back.isWritable());
        front.writeInbound(bytes("APPEND data"));
        assertFalse(front.config().isAutoRead(), "the client must stop being read while the backend is full");
        assertTrue(back.config().isAutoRead(), "the other direction is not throttled");

        back.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        back.runPendingTasks();
        assertTrue(front.config().isAutoRead(), "reading resumes once the backend drains");
        assertEquals("APPEND data", Outbound.drain(back));
    }

    @Test
    void backpressureWorksTheOtherWayToo() {
        front.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        back.writeInbound(bytes("* 1 FETCH (BODY[] {5}\r\nhello)"));
        assertFalse(back.config().isAutoRead(), "the backend must stop being read while the client is slow");
        front.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        front.runPendingTasks();
        assertTrue(back.config().isAutoRead());
        assertEquals("* 1 FETCH (BODY[] {5}\r\nhello)", Outbound.drain(front));
    }

    @Test
    void closingOneSideClosesTheOtherAfterFlushingWhatWasRelayed() {
        back.writeInbound(bytes("* BYE bye"));
        back.close();
        back.runPendingTasks();
        front.runPendingTasks();
        assertEquals("* BYE bye", Outbound.drain(front));
        assertFalse(front.isOpen(), "the client is closed once the backend is gone");
    }

    @Test
    void bytesForAClosedPeerAreReleasedNotLeaked() {
        EmbeddedChannel dead = new EmbeddedChannel();
        dead.close();
        EmbeddedChannel alive = new EmbeddedChannel(new RelayHandler(dead, "test"));
        ByteBuf late = bytes("late");
        alive.writeInbound(late);
        assertEquals(0, late.refCnt());
        assertNull(dead.readOutbound());
        alive.finishAndReleaseAll();
        dead.finishAndReleaseAll();
    }

    @Test
    void anIdleTimeoutClosesBothSides() {
        front.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        front.runPendingTasks();
        back.runPendingTasks();
        assertFalse(front.isOpen());
        assertFalse(back.isOpen());
    }

    @Test
    void anErrorOnOneSideClosesBoth() {
        front.pipeline().fireExceptionCaught(new java.io.IOException("connection reset"));
        front.runPendingTasks();
        back.runPendingTasks();
        assertFalse(front.isOpen());
        assertFalse(back.isOpen());
    }
}
