package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestMessages;
import dev.postern.testing.TestSecrets;
import dev.postern.testing.ToxiproxyServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults on both legs at once, through two real toxiproxy proxies (client to Postern, Postern to Dovecot): every byte
 * in a segment of its own (slicer) through a login and a large APPEND and FETCH, byte-identical; a slow reader
 * (bandwidth) fetching a large message while Dovecot streams it, complete; the client cut after some bytes
 * (limit_data) right at the hand-off, with nothing left open.
 */
class ClientFaultIT {
    private static final String USER = "cfault-user";
    private static final String PASSWORD = TestSecrets.register("Client-fault-pass-71c");
    /** Large enough to cross every buffer and water mark many times (the slicer takes about two minutes). */
    private static final int MESSAGE_BYTES = 5 * 1024 * 1024;
    /**
     * Far more than the kernel's socket buffers on the way to the slow reader can absorb (several MiB on
     * loopback), so that without backpressure Postern itself would have to hold the difference.
     */
    private static final int SLOW_READER_BYTES = 24 * 1024 * 1024;

    private static DovecotServer dovecot;
    private static ToxiproxyServer toxiproxy;
    private static Proxy backendLeg;
    private static Proxy clientLeg;
    private static PosternHarness postern;

    @BeforeAll
    static void start() throws IOException {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
        toxiproxy = ToxiproxyServer.start();
        backendLeg = toxiproxy.proxy("backend", dovecot.host() + ":" + dovecot.port());
        postern = PosternHarness.start("limits: {failure_delay: 0s}\n",
                "127.0.0.1:" + ToxiproxyServer.port(backendLeg));
        clientLeg = toxiproxy.proxy("client", "127.0.0.1:" + postern.plainPort());
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, toxiproxy, dovecot);
    }

    @AfterEach
    void heal() throws IOException {
        ToxiproxyServer.heal(backendLeg, clientLeg);
    }

    private static RawImapClient client() throws IOException {
        RawImapClient c = RawImapClient.plain("127.0.0.1", ToxiproxyServer.port(clientLeg)).timeout(Duration.ofSeconds(60));
        assertTrue(c.readLine().startsWith("* OK"));
        assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD)).startsWith("l OK"));
        return c;
    }

    /** APPENDs {@code body} to a new mailbox and FETCHes it back. */
    private static byte[] roundTrip(RawImapClient c, String mailbox, byte[] body) throws IOException {
        assertTrue(RawImapClient.tagged(c.command("c", "CREATE " + mailbox)).startsWith("c OK"));
        c.send("a APPEND " + mailbox + " {" + body.length + "}\r\n");
        assertTrue(c.readLine().startsWith("+"));
        c.sendBytes(body);
        c.send("\r\n");
        assertTrue(RawImapClient.tagged(c.readUntilTagged("a")).startsWith("a OK"));
        assertTrue(RawImapClient.tagged(c.command("s", "SELECT " + mailbox)).startsWith("s OK"));
        c.send("f FETCH 1 BODY[]\r\n");
        String line = c.readLine();
        while (!line.contains("BODY[] {")) {
            line = c.readLine();
        }
        int size = Integer.parseInt(line.substring(line.lastIndexOf('{') + 1, line.lastIndexOf('}')));
        byte[] fetched = c.readBytes(size);
        assertTrue(RawImapClient.tagged(c.readUntilTagged("f")).startsWith("f OK"));
        return fetched;
    }

    @Test
    void everyByteInItsOwnSegmentOnBothLegs() throws IOException {
        for (Proxy p : new Proxy[] {backendLeg, clientLeg}) {
            p.toxics().slicer("up", ToxicDirection.UPSTREAM, 1, 0).setSizeVariation(0);
            p.toxics().slicer("down", ToxicDirection.DOWNSTREAM, 1, 0).setSizeVariation(0);
        }
        byte[] body = TestMessages.crlf(MESSAGE_BYTES, 1, "fault 1");
        try (RawImapClient c = client()) {
            assertArrayEquals(body, roundTrip(c, "sliced", body));
        }
    }

    @Test
    void aSlowReaderGetsALargeFetchWholeWhilePosternHoldsLittleOfIt() throws Exception {
        byte[] body = TestMessages.crlf(SLOW_READER_BYTES, 2, "fault 2");
        ByteBufAllocatorMetric buffers = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        long before = buffers.usedDirectMemory() + buffers.usedHeapMemory();
        AtomicLong most = new AtomicLong(before);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> most.accumulateAndGet(
                buffers.usedDirectMemory() + buffers.usedHeapMemory(), Math::max), 0, 5, TimeUnit.MILLISECONDS);
        try (RawImapClient c = client()) {
            clientLeg.toxics().bandwidth("slow", ToxicDirection.DOWNSTREAM, 4096); // KB/s
            assertArrayEquals(body, roundTrip(c, "slow", body));
        } finally {
            sampler.shutdownNow();
        }
        long grew = most.get() - before;
        // Dovecot writes the message in a second; the client takes six. Without backpressure Postern would hold
        // what the sockets cannot; with it, what the water marks let through and a chunk of the allocator.
        System.out.printf("slow reader: Postern's buffers grew by at most %d KiB while %d KiB streamed%n",
                grew / 1024, SLOW_READER_BYTES / 1024);
        assertTrue(grew < SLOW_READER_BYTES / 8, "Postern's buffers grew by " + grew + " bytes for a "
                + SLOW_READER_BYTES + "-byte message");
    }

    @Test
    void aClientCutRightAtTheHandOffLeavesNothingOpen() throws IOException {
        // The greeting and the login's answer pass; the cut comes in the first relayed bytes.
        String greeting;
        try (RawImapClient probe = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            greeting = probe.readLine();
        }
        clientLeg.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, greeting.length() + 2 + 40);
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", ToxiproxyServer.port(clientLeg))) {
            assertEquals(greeting.substring(0, 4), c.readLine().substring(0, 4));
            c.send("l LOGIN " + USER + " " + PASSWORD + "\r\n");
            c.timeout(Duration.ofSeconds(10));
            int received = 0;
            try {
                while (received < 10_000) {
                    c.readBytes(1);
                    received++;
                }
            } catch (java.io.EOFException cut) {
                // the toxic closed the connection
            }
            assertTrue(received <= 40, "no more than the toxic lets through: " + received);
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> postern.server().sessionCount() == 0);
    }
}
