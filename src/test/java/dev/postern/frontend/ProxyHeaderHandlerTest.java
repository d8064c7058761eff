package dev.postern.frontend;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.session.SessionContext;
import dev.postern.testing.SplitFeeder;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PROXY header phase of a trusted balancer's connection: v1 and v2 headers, each fed whole, split at every byte
 * and one byte at a time, with the client's first bytes in the same reads; LOCAL, UNKNOWN, garbage, truncated and
 * oversized headers; the deadline. Every case ends with no buffer leaked.
 */
class ProxyHeaderHandlerTest {
    private static final byte[] CLIENT_BYTES = "a1 CAPABILITY\r\nA2 LOGIN x y\r\n".getBytes(US_ASCII);
    private static final byte[] V1_TCP4 = "PROXY TCP4 192.0.2.7 198.51.100.1 51000 993\r\n".getBytes(US_ASCII);
    private static final byte[] V2_TCP6 = ProxyHeaderBench.v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6,
            "2001:db8::7", "2001:db8::1", 51000, 993);

    @Test
    void v1HeaderNamesTheClientAndTheBytesAfterItFollowUnchanged() {
        everyWayOpens(V1_TCP4, new InetSocketAddress("192.0.2.7", 51000), new InetSocketAddress("198.51.100.1", 993));
    }

    @Test
    void v2HeaderNamesTheClientAndTheBytesAfterItFollowUnchanged() {
        everyWayOpens(V2_TCP6, new InetSocketAddress("2001:db8::7", 51000), new InetSocketAddress("2001:db8::1", 993));
    }

    @Test
    void v2HeaderWithTlvsWithinTheBoundIsAccepted() {
        byte[] header = withTlv(V2_TCP6, FrontendInitializer.MAX_PROXY_TLV_BYTES);
        everyWayOpens(header, new InetSocketAddress("2001:db8::7", 51000), new InetSocketAddress("2001:db8::1", 993));
    }

    private static void everyWayOpens(byte[] header, InetSocketAddress client, InetSocketAddress local) {
        for (SplitFeeder.Way way : SplitFeeder.everyWay(ProxyHeaderBench.concat(header, CLIENT_BYTES))) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(way.reads());
            assertEquals(1, bench.opened.size(), way.name());
            SessionContext session = bench.opened.get(0);
            assertEquals(client, session.client(), way.name());
            assertEquals(local, session.local(), way.name());
            assertEquals(session, bench.channel.attr(SessionContext.KEY).get(), way.name());
            assertEquals(1, bench.activeEvents, way.name() + ": the session's handlers see one channel-active");
            assertArrayEquals(CLIENT_BYTES, bench.after.toByteArray(), way.name());
            assertTrue(bench.channel.isOpen(), way.name());
            assertEquals(List.of("DefaultChannelPipeline$TailContext#0"), bench.channel.pipeline().names().stream()
                    .filter(n -> !n.startsWith("ProxyHeaderBench")).toList(), way.name() + ": header phase gone");
            assertEquals(0, bench.finish(), way.name() + ": leaked");
        }
    }

    @Test
    void sessionIdAndListenerSurviveTheHeader() {
        ProxyHeaderBench bench = new ProxyHeaderBench();
        SessionContext before = bench.channel.attr(SessionContext.KEY).get();
        bench.feed(List.of(V1_TCP4));
        assertEquals(before.id(), bench.opened.get(0).id());
        assertEquals(before.listener(), bench.opened.get(0).listener());
        assertEquals(0, bench.finish());
    }

    @Test
    void localCommandIsClosedQuietlyWithoutASession() {
        byte[] local = ProxyHeaderBench.v2(HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        for (SplitFeeder.Way way : SplitFeeder.everyWay(local)) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(way.reads());
            assertFalse(bench.channel.isOpen(), way.name());
            assertTrue(bench.opened.isEmpty(), way.name());
            assertEquals(0, bench.finish(), way.name());
        }
    }

    @Test
    void unknownProtocolKeepsTheBalancersAddresses() {
        for (byte[] header : List.of("PROXY UNKNOWN\r\n".getBytes(US_ASCII),
                "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n".getBytes(US_ASCII))) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(List.of(ProxyHeaderBench.concat(header, CLIENT_BYTES)));
            assertEquals(1, bench.opened.size());
            assertEquals(ProxyHeaderBench.BALANCER, bench.opened.get(0).client());
            assertEquals(ProxyHeaderBench.LISTENER, bench.opened.get(0).local());
            assertArrayEquals(CLIENT_BYTES, bench.after.toByteArray());
            assertEquals(0, bench.finish());
        }
    }

    @Test
    void anythingButAHeaderIsClosedWithoutASession() {
        List<String> garbage = List.of(
                "a1 LOGIN user password\r\n",                       // an IMAP client that skipped the balancer
                "PROXY TCP4 192.0.2.7 198.51.100.1 51000\r\n",      // a port missing
                "PROXY TCP4 999.0.2.7 198.51.100.1 51000 993\r\n",  // not an address
                "PROXY TCP6 192.0.2.7 198.51.100.1 51000 993\r\n",  // the wrong family
                "PROXY TCP4 192.0.2.7 198.51.100.1 51000 99999\r\n",
                "PROXY TCP4 192.0.2.7 198.51.100.1 51000 993 " + "x".repeat(80) + "\r\n", // over 108 octets
                "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003" + "x".repeat(120)); // a ClientHello
        for (String input : garbage) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(List.of(input.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
            assertFalse(bench.channel.isOpen(), input);
            assertTrue(bench.opened.isEmpty(), input);
            assertEquals(0, bench.finish(), input);
        }
    }

    @Test
    void v2HeaderOverTheTlvBoundIsClosed() {
        // Netty's bound is the TLV allowance plus the largest address block (216 octets, UNIX): over both here.
        byte[] header = withTlv(V2_TCP6, FrontendInitializer.MAX_PROXY_TLV_BYTES + 200);
        for (List<byte[]> reads : List.of(List.of(header), List.of(Arrays.copyOf(header, 16),
                Arrays.copyOfRange(header, 16, header.length)))) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(reads);
            assertFalse(bench.channel.isOpen());
            assertTrue(bench.opened.isEmpty());
            assertEquals(0, bench.finish());
        }
    }

    @Test
    void aBalancerThatNeverEndsItsHeaderIsClosedOnceTheBoundIsPassed() {
        // v2 length field at its maximum (65535): the decoder holds at most the bound, then gives up.
        byte[] start = Arrays.copyOf(V2_TCP6, 16);
        start[14] = (byte) 0xff;
        start[15] = (byte) 0xff;
        ProxyHeaderBench bench = new ProxyHeaderBench();
        bench.feed(List.of(start));
        for (int i = 0; i < 100 && bench.channel.isOpen(); i++) {
            bench.feed(List.of(new byte[256]));
        }
        assertFalse(bench.channel.isOpen());
        assertTrue(bench.alloc.metric().usedHeapMemory() <= 16 + 216 + FrontendInitializer.MAX_PROXY_TLV_BYTES + 256);
        assertEquals(0, bench.finish());
    }

    @Test
    void noWholeHeaderWithinTheDeadlineIsClosed() {
        for (byte[] partial : List.of(new byte[0], Arrays.copyOf(V1_TCP4, 20), Arrays.copyOf(V2_TCP6, 20))) {
            ProxyHeaderBench bench = new ProxyHeaderBench();
            bench.feed(List.of(partial));
            // The embedded loop's clock also moves with real time: half the deadline leaves room for a slow machine.
            bench.channel.advanceTimeBy(ProxyHeaderBench.DEADLINE.toMillis() / 2, TimeUnit.MILLISECONDS);
            bench.channel.runScheduledPendingTasks();
            assertTrue(bench.channel.isOpen(), "still within the deadline");
            bench.channel.advanceTimeBy(ProxyHeaderBench.DEADLINE.toMillis() / 2, TimeUnit.MILLISECONDS);
            bench.channel.runScheduledPendingTasks();
            assertFalse(bench.channel.isOpen());
            assertTrue(bench.opened.isEmpty());
            assertEquals(0, bench.finish());
        }
    }

    @Test
    void theDeadlineEndsWithTheHeader() {
        ProxyHeaderBench bench = new ProxyHeaderBench();
        bench.feed(List.of(V1_TCP4));
        bench.channel.advanceTimeBy(ProxyHeaderBench.DEADLINE.toMillis() * 2, TimeUnit.MILLISECONDS);
        bench.channel.runScheduledPendingTasks();
        assertTrue(bench.channel.isOpen());
        assertEquals(0, bench.finish());
    }

    /** {@code header} (v2) with one TLV of type 0xE0 (custom) whose value makes the TLVs {@code tlvBytes} long. */
    private static byte[] withTlv(byte[] header, int tlvBytes) {
        int valueBytes = tlvBytes - 3;
        byte[] out = Arrays.copyOf(header, header.length + tlvBytes);
        int length = ((header[14] & 0xff) << 8 | (header[15] & 0xff)) + tlvBytes;
        out[14] = (byte) (length >> 8);
        out[15] = (byte) length;
        out[header.length] = (byte) 0xE0;
        out[header.length + 1] = (byte) (valueBytes >> 8);
        out[header.length + 2] = (byte) valueBytes;
        return out;
    }
}
