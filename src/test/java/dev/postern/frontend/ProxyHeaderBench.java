package dev.postern.frontend;

import dev.postern.session.SessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection from a trusted load balancer at the PROXY header phase, on an {@link EmbeddedChannel}: Netty's decoder
 * and the {@link ProxyHeaderHandler}, whose {@code open} step records the session it was given and adds a handler
 * that records what the session's own pipeline would see (channel-active events and the bytes after the header).
 * Buffers come from an allocator of its own, so a test can tell that none leaked.
 */
final class ProxyHeaderBench {
    static final InetSocketAddress BALANCER = new InetSocketAddress("127.0.0.1", 40000);
    static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 143);
    static final Duration DEADLINE = Duration.ofSeconds(5);

    final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
    final EmbeddedChannel channel = new EmbeddedChannel();
    /** Sessions {@code open} was called with. */
    final List<SessionContext> opened = new ArrayList<>();
    final ByteArrayOutputStream after = new ByteArrayOutputStream();
    int activeEvents;

    ProxyHeaderBench() {
        channel.config().setAllocator(alloc);
        channel.attr(SessionContext.KEY).set(SessionContext.create("imap", BALANCER, LISTENER));
        channel.pipeline().addLast(new HAProxyMessageDecoder(FrontendInitializer.MAX_PROXY_TLV_BYTES),
                new ProxyHeaderHandler(DEADLINE, this::open));
    }

    private void open(Channel ch, SessionContext session) {
        opened.add(session);
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                activeEvents++;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                try {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.readBytes(bytes);
                    after.writeBytes(bytes);
                } finally {
                    buf.release();
                }
            }
        });
    }

    /** Writes each read as a buffer of its own, stopping once the channel is closed. */
    void feed(List<byte[]> reads) {
        for (byte[] read : reads) {
            if (!channel.isOpen()) {
                return;
            }
            channel.writeInbound(alloc.heapBuffer(read.length).writeBytes(read));
        }
    }

    /** Closes the channel and answers the bytes its buffers still hold (0 when nothing leaked). */
    long finish() {
        channel.finishAndReleaseAll();
        return alloc.metric().usedHeapMemory();
    }

    /** A header as a balancer's encoder writes it. */
    static byte[] encode(HAProxyMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(message);
        ByteBuf out = encoder.readOutbound();
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            ReferenceCountUtil.release(out);
            encoder.finishAndReleaseAll();
        }
    }

    static byte[] v2(HAProxyCommand command, HAProxyProxiedProtocol protocol, String source, String destination,
                     int sourcePort, int destinationPort) {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, command, protocol, source, destination,
                sourcePort, destinationPort));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
