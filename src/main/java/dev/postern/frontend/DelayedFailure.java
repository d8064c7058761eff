package dev.postern.frontend;

import dev.postern.imap.ImapCommandFramer;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A failed login's reply held back until its failure delay has passed. Creating it stops reading the client, as a
 * login in flight does (the framer keeps what arrives, in order); the reply is a task on the channel's event loop,
 * so no thread waits. It ends once, one of two ways:
 * <ul>
 * <li>the delay passes: the {@link Reply} is sent, and says whether the session reads commands again; only then is
 *     reading resumed, here (a close takes over otherwise);</li>
 * <li>the session ends first ({@link #cancel()}: client gone, timeout): the task leaves the event loop's queue and
 *     nothing is written.</li>
 * </ul>
 * Confined to the client channel's event loop.
 */
final class DelayedFailure {

    /** Sends the held-back reply. */
    @FunctionalInterface
    interface Reply {
        /**
         * @param clientInputShut whether the client sent FIN meanwhile (the session then closes after the reply)
         * @return true when the session reads commands again
         */
        boolean send(boolean clientInputShut);
    }

    private final Channel channel;
    private final ImapCommandFramer framer;
    private final Reply reply;
    private boolean clientInputShut;
    private ScheduledFuture<?> task;

    /** Stops reading the client; {@link #start} schedules the reply. */
    DelayedFailure(Channel channel, ImapCommandFramer framer, boolean clientInputShut, Reply reply) {
        this.channel = channel;
        this.framer = framer;
        this.clientInputShut = clientInputShut;
        this.reply = reply;
        framer.pause();
        channel.config().setAutoRead(false);
    }

    /** Separate from the constructor so the session records this as its state before the task can run. */
    void start(long delayNanos) {
        task = channel.eventLoop().schedule(this::due, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The client sent FIN while the reply waited: it still gets the reply, then the session closes. */
    void clientInputShut() {
        clientInputShut = true;
    }

    /** The session ended first: nothing will be written. */
    void cancel() {
        if (task != null) {
            task.cancel(false);
        }
    }

    private void due() {
        if (channel.isActive() && reply.send(clientInputShut)) {
            channel.config().setAutoRead(true);
            framer.resume();
        }
    }
}
