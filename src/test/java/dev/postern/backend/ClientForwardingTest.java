package dev.postern.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.PoolConfig.Forward;
import dev.postern.session.SessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a pool's {@code forward} sends: the ID command's fields and quoting, the PROXY headers, the TTL rule. */
class ClientForwardingTest {
    private static final SessionContext V4 = new SessionContext("sess12345678", "imaps",
            new InetSocketAddress("192.0.2.7", 51000), new InetSocketAddress("198.51.100.1", 993));

    @Test
    void idCarriesDovecotsFieldsInOrder() {
        assertEquals("P4 ID (\"x-originating-ip\" \"192.0.2.7\" \"x-originating-port\" \"51000\" "
                + "\"x-connected-ip\" \"198.51.100.1\" \"x-connected-port\" \"993\" \"x-proxy-ttl\" \"5\" "
                + "\"x-session-ext-id\" \"sess12345678\")\r\n", ClientForwarding.idCommand("P4", V4, false));
    }

    @Test
    void theClientsIdGoesAlongButNeverItsXFieldsAndIsQuoted() {
        Map<String, String> id = new LinkedHashMap<>();
        id.put("name", "Mail \"Pro\" \\ 2");
        id.put("x-originating-ip", "10.6.6.6");
        id.put("X-Session-Ext-Id", "forged");
        id.put("os", "line\r\nbreak");
        id.put("x-proxy-ttl", "3");
        String line = ClientForwarding.idCommand("P4", V4.withClientId(id), true);
        assertTrue(line.contains("\"x-originating-ip\" \"192.0.2.7\""), line);
        assertTrue(!line.contains("10.6.6.6") && !line.contains("forged") && !line.contains("break"), line);
        assertTrue(line.contains("\"x-proxy-ttl\" \"2\""), "one hop less: " + line);
        assertTrue(line.endsWith("\"name\" \"Mail \\\"Pro\\\" \\\\ 2\")\r\n"), line);
        assertEquals(1, line.split("\r\n", -1).length - 1);
    }

    @Test
    void aTtlThatWouldRunOutIsALoop() {
        assertNull(ClientForwarding.loopDetected(V4));
        assertNull(ClientForwarding.loopDetected(V4.withClientId(Map.of("x-proxy-ttl", "2"))));
        assertTrue(ClientForwarding.loopDetected(V4.withClientId(Map.of("x-proxy-ttl", "1"))) != null);
        assertTrue(ClientForwarding.loopDetected(V4.withClientId(Map.of("x-proxy-ttl", "0"))) != null);
        assertTrue(ClientForwarding.loopDetected(V4.withClientId(Map.of("x-proxy-ttl", "junk"))) != null);
    }

    @Test
    void proxyHeadersNameTheClientOrNobody() {
        assertEquals("PROXY TCP4 192.0.2.7 198.51.100.1 51000 993\r\n",
                encode(ClientForwarding.proxyHeader(Forward.PROXY_V1, V4)));
        SessionContext mixed = new SessionContext("s", "l", new InetSocketAddress("2001:db8::7", 1),
                new InetSocketAddress("192.0.2.1", 2));
        assertEquals("PROXY UNKNOWN\r\n", encode(ClientForwarding.proxyHeader(Forward.PROXY_V1, mixed)));
        assertEquals("PROXY UNKNOWN\r\n", encode(ClientForwarding.localHeader(Forward.PROXY_V1)));
        HAProxyMessage v2 = (HAProxyMessage) ClientForwarding.proxyHeader(Forward.PROXY_V2, V4);
        assertEquals(HAProxyProxiedProtocol.TCP4, v2.proxiedProtocol());
        v2.release();
        HAProxyMessage local = (HAProxyMessage) ClientForwarding.localHeader(Forward.PROXY_V2);
        assertEquals(HAProxyCommand.LOCAL, local.command());
        local.release();
    }

    @Test
    void theHeaderGoesOutBeforeAnythingTheNextHandlersWrite() throws Exception {
        StringBuilder wire = new StringBuilder();
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise p) {
                wire.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                ReferenceCountUtil.release(msg);
                p.setSuccess();
            }
        }, HAProxyMessageEncoder.INSTANCE, new ProxyHeaderSender(() -> ClientForwarding.proxyHeader(Forward.PROXY_V1, V4)),
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("HELLO", StandardCharsets.US_ASCII));
                    }
                });
        ch.register();
        assertEquals("PROXY TCP4 192.0.2.7 198.51.100.1 51000 993\r\nHELLO", wire.toString());
        assertTrue(ch.pipeline().get(HAProxyMessageEncoder.class) == null, "encoder and sender gone");
        assertTrue(ch.pipeline().get(ProxyHeaderSender.class) == null);
        ch.finishAndReleaseAll();
    }

    private static String encode(Object message) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        ch.writeOutbound(message);
        ByteBuf out = ch.readOutbound();
        try {
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
            ch.finishAndReleaseAll();
        }
    }
}
