package dev.postern.relay;

import dev.postern.session.PipelineNames;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.SessionRecord;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.List;

/**
 * Turns two logged-in channels into a byte relay, in one event-loop task: relay handlers go in first, then the
 * login-phase handlers come out (a framer's leftover bytes flow on into the relay, in order), then both sides read.
 */
public final class Handoff {
    private Handoff() {
    }

    /**
     * @param frontHandlers names to remove from the client pipeline, the framer last
     * @param backendHandlers names to remove from the backend pipeline, the framer last
     * @param record the session's record: bytes each way and how it ends
     */
    public static void start(Channel front, List<String> frontHandlers, Channel backend, List<String> backendHandlers,
                             Duration idle, String sessionId, SessionRecord record, ProxyMetrics metrics) {
        assert front.eventLoop().inEventLoop() && backend.eventLoop() == front.eventLoop();
        ChannelPipeline fp = front.pipeline();
        ChannelPipeline bp = backend.pipeline();
        RelayIdle relayIdle = new RelayIdle(idle);
        fp.addLast(PipelineNames.RELAY_IDLE, relayIdle);
        fp.addLast(PipelineNames.RELAY_METER, new RelayMeter(record, true, metrics, relayIdle));
        fp.addLast(PipelineNames.RELAY, new RelayHandler(backend, sessionId));
        bp.addLast(PipelineNames.RELAY_METER, new RelayMeter(record, false, metrics, relayIdle));
        bp.addLast(PipelineNames.RELAY, new RelayHandler(front, sessionId));
        removeAll(fp, frontHandlers);
        removeAll(bp, backendHandlers);
        // A side whose input is already shut (the client's FIN during the login) has nothing left to read; arming
        // reads on it again fails under Netty 4.2's epoll (fd already out of the epoll set) and closes the session.
        if (!inputShut(front)) {
            front.config().setAutoRead(true);
            front.read();
        }
        if (!inputShut(backend)) {
            backend.config().setAutoRead(true);
            backend.read();
        }
        // A side that closed before the relay was in place never tells it so: close its peer here.
        if (!backend.isActive()) {
            RelayHandler.closeAfterFlush(front);
        }
        if (!front.isActive()) {
            backend.close();
        }
    }

    private static boolean inputShut(Channel channel) {
        return channel instanceof io.netty.channel.socket.DuplexChannel duplex && duplex.isInputShutdown();
    }

    private static void removeAll(ChannelPipeline pipeline, List<String> names) {
        for (String name : names) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }
}
