package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.PosternHarness;
import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The accept-time caps over real sockets, each client on its own loopback source address ({@code 127.0.0.x}):
 * connection 51 from one address is refused ({@code * BYE} on STARTTLS, a bare close with no ServerHello on implicit
 * TLS) while other addresses get in, a closed connection frees its slot, exempt addresses are not capped, and
 * {@code limits.max_connections} counts every listener and address. No backend is needed: nobody logs in.
 */
class ConnectionLimitsIT {
    private static final String PER_ADDRESS_BYE = "* BYE [UNAVAILABLE] Too many connections from your address";
    private static final String TOTAL_BYE = "* BYE [UNAVAILABLE] Too many connections, try again later";
    private static final Duration FREED_WITHIN = Duration.ofSeconds(5);

    private static PosternHarness postern;

    @BeforeAll
    static void start() {
        postern = PosternHarness.start("""
                limits:
                  max_connections_per_ip: 50
                  exempt: ["127.0.0.99", "10.0.0.0/8"]
                """, "127.0.0.1:" + Ports.closedPort());
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
    }

    /** Opens {@code count} sessions (greeting read, STARTTLS done) from {@code local} into {@code held}. */
    private static void hold(PosternHarness p, ClientListener listener, String local, int count,
                             List<RawImapClient> held) throws IOException {
        for (int i = 0; i < count; i++) {
            held.add(listener.open(p, local));
        }
    }

    private static void closeAll(List<RawImapClient> held) {
        held.forEach(RawImapClient::close);
    }

    private static double limitHits(PosternHarness p, String limit) {
        Counter c = p.meterRegistry().find("postern.limits.hit").tag("limit", limit).counter();
        return c == null ? 0 : c.count();
    }

    /** Handshakes that did not succeed (held sessions all do, so only a refused connection could add one). */
    private static double failedHandshakes(PosternHarness p) {
        return p.meterRegistry().find("postern.tls.handshakes").counters().stream()
                .filter(c -> !"ok".equals(c.getId().getTag("outcome"))).mapToDouble(Counter::count).sum();
    }

    /** A connection from {@code local} that Postern refuses, as the listener kind refuses. */
    static void assertRefused(PosternHarness p, ClientListener listener, String local, String bye) throws IOException {
        if (listener == ClientListener.STARTTLS) {
            try (RawImapClient client = RawImapClient.plainFrom(local, "127.0.0.1", listener.port(p))) {
                assertEquals(bye, client.readLine());
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "still open after the BYE");
            }
            return;
        }
        double before = failedHandshakes(p);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", listener.port(p)), 5000);
            socket.setSoTimeout(5000);
            // a ClientHello's record header: a server that started TLS would wait for the rest, not close
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xc8, 0x01});
            assertEquals(-1, readOrReset(socket.getInputStream()), "Postern sent bytes instead of closing");
        }
        assertEquals(before, failedHandshakes(p), "the refused connection reached the TLS handler");
    }

    /** The first byte, or -1 at end of stream or on a reset (a close with our bytes unread is a reset). */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    /** Waits (bounded) until {@code local} gets a session again, and returns it. */
    private static RawImapClient awaitAdmitted(PosternHarness p, ClientListener listener, String local) {
        List<RawImapClient> got = new ArrayList<>();
        await("a freed slot").atMost(FREED_WITHIN).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> got.add(listener.open(p, local)));
        return got.get(0);
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void connection51FromOneAddressIsRefusedWhileAnotherAddressGetsIn(ClientListener listener) throws IOException {
        String local = listener == ClientListener.IMPLICIT_TLS ? "127.0.0.11" : "127.0.0.12";
        String other = listener == ClientListener.IMPLICIT_TLS ? "127.0.0.13" : "127.0.0.14";
        List<RawImapClient> held = new ArrayList<>();
        try {
            hold(postern, listener, local, 50, held);
            double hits = limitHits(postern, "max_connections_per_ip");
            assertRefused(postern, listener, local, PER_ADDRESS_BYE);
            assertEquals(hits + 1, limitHits(postern, "max_connections_per_ip"));

            held.add(listener.open(postern, other));

            held.remove(0).close();
            held.add(awaitAdmitted(postern, listener, local));
            assertRefused(postern, listener, local, PER_ADDRESS_BYE);
        } finally {
            closeAll(held);
        }
    }

    @Test
    void oneAddressIsCountedOverEveryListener() throws IOException {
        List<RawImapClient> held = new ArrayList<>();
        try {
            hold(postern, ClientListener.IMPLICIT_TLS, "127.0.0.15", 25, held);
            hold(postern, ClientListener.STARTTLS, "127.0.0.15", 25, held);
            for (ClientListener listener : ClientListener.values()) {
                assertRefused(postern, listener, "127.0.0.15", PER_ADDRESS_BYE);
            }
            try (RawImapClient plain = RawImapClient.plainFrom("127.0.0.15", "127.0.0.1", postern.plainPort())) {
                assertEquals(PER_ADDRESS_BYE, plain.readLine());
            }
        } finally {
            closeAll(held);
        }
    }

    @Test
    void anExemptAddressIsNotCapped() throws IOException {
        List<RawImapClient> held = new ArrayList<>();
        try {
            hold(postern, ClientListener.STARTTLS, "127.0.0.99", 30, held);
            hold(postern, ClientListener.IMPLICIT_TLS, "127.0.0.99", 30, held);
            assertEquals(60, held.size());
        } finally {
            closeAll(held);
        }
    }

    @Test
    void maxConnectionsCountsEveryListenerAndAddress() throws IOException {
        try (PosternHarness small = PosternHarness.start("limits: {max_connections: 20}\n",
                "127.0.0.1:" + Ports.closedPort())) {
            List<RawImapClient> held = new ArrayList<>();
            try {
                hold(small, ClientListener.IMPLICIT_TLS, "127.0.0.21", 10, held);
                hold(small, ClientListener.STARTTLS, "127.0.0.22", 10, held);
                for (ClientListener listener : ClientListener.values()) {
                    assertRefused(small, listener, "127.0.0.23", TOTAL_BYE);
                }
                assertEquals(2, limitHits(small, "max_connections"));
                held.remove(0).close();
                held.add(awaitAdmitted(small, ClientListener.STARTTLS, "127.0.0.23"));
                assertRefused(small, ClientListener.IMPLICIT_TLS, "127.0.0.24", TOTAL_BYE);
            } finally {
                closeAll(held);
            }
        }
    }
}
