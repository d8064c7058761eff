package dev.postern.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * Half-closes a channel's output the way its peer expects: what is pending is flushed, then on a TLS channel a
 * close_notify goes out, and only then the TCP FIN. {@link DuplexChannel#shutdownOutput()} alone bypasses the
 * pipeline, so the {@link SslHandler} never writes its close_notify and an OpenSSL peer (clients, Dovecot) reports
 * an "unexpected eof" (RFC 8446 section 6.1: each party sends close_notify before closing its write side).
 */
public final class OutputShutdown {
    private OutputShutdown() {
    }

    /** Flush, close_notify when TLS is up, FIN. Does nothing on a closed channel or one that is no duplex. */
    public static void shutdown(Channel channel) {
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive() || duplex.isOutputShutdown()) {
            return;
        }
        ChannelFuture flushed = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            flushed.addListener(f -> fin(duplex));
        } else {
            flushed.addListener(f -> ssl.closeOutbound().addListener(g -> fin(duplex)));
        }
    }

    /** The FIN; a channel whose input ended meanwhile has nothing left to do and is closed. */
    private static void fin(DuplexChannel duplex) {
        duplex.shutdownOutput().addListener(f -> {
            if (duplex.isInputShutdown()) {
                duplex.close();
            }
        });
    }
}
