package dev.postern.backend;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.util.function.Supplier;

/**
 * First in a backend pipeline of a {@code proxy_v1} / {@code proxy_v2} pool, just behind Netty's encoder: as the
 * connection comes up it writes the PROXY header, before anything else (a TLS ClientHello included) can be
 * written, then takes itself and the encoder out. The header is made only then, so a connection that never comes
 * up holds nothing to release.
 */
final class ProxyHeaderSender extends ChannelInboundHandlerAdapter {
    private final Supplier<Object> header;

    ProxyHeaderSender(Supplier<Object> header) {
        this.header = header;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(header.get()); // an HAProxyMessage (encoded and released by the encoder) or its bytes
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
        ctx.pipeline().remove(HAProxyMessageEncoder.class);
    }
}
