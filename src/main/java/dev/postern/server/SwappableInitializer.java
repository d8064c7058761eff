package dev.postern.server;

import dev.postern.frontend.FrontendInitializer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/**
 * A listener's child handler that a reload can point at a new {@link FrontendInitializer} (new limits, timeouts,
 * TLS, routing) without closing the listening socket: each connection is built by the initializer current when it
 * was accepted, and keeps it.
 */
@ChannelHandler.Sharable
final class SwappableInitializer extends ChannelInitializer<Channel> {
    private volatile FrontendInitializer current;

    /** @param current null while a reload stages a new listener (it takes no client before the swap) */
    SwappableInitializer(FrontendInitializer current) {
        this.current = current;
    }

    void use(FrontendInitializer next) {
        current = next;
    }

    @Override
    protected void initChannel(Channel ch) {
        FrontendInitializer now = current;
        if (now == null) {
            ch.close(); // accepted in the instant between bind and swap of a reload
            return;
        }
        ch.pipeline().addLast(now);
    }
}
