package dev.postern.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.ClientAddressSet;
import dev.postern.auth.LoginPenalties;
import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.config.TlsMode;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.PipelineNames;
import dev.postern.testing.Outbound;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a connection over the gate's caps gets from {@link FrontendInitializer}: one BYE on a plain or STARTTLS
 * listener, a bare close on an implicit-TLS one (no TLS handler, nothing read), and no pipeline either way; the slot
 * of an admitted connection comes back when it closes.
 */
class ConnectionRefusalTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 50000);
    private final ConnectionGate gate = new ConnectionGate(100, 1, 64, ClientAddressSet.EMPTY, ProxyMetrics.NOOP);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void finish() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel connect(TlsMode mode) {
        ListenerConfig listener = ListenerConfig.of(Map.of("name", "l", "bind", "127.0.0.1:1143", "tls", mode.name()));
        FrontendSettings settings = new FrontendSettings(listener, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS,
                "ready", null, (session, credentials, attempt, loop) -> loop.newPromise(), ProxyMetrics.NOOP,
                LoginPenalties.NONE);
        EmbeddedChannel ch = new EmbeddedChannel(new FrontendInitializer(settings, gate, c -> { })) {
            @Override
            protected SocketAddress remoteAddress0() {
                return CLIENT;
            }
        };
        channels.add(ch);
        return ch;
    }

    @Test
    void aStartTlsListenerSaysByeOverTheCapAndCloses() {
        EmbeddedChannel first = connect(TlsMode.STARTTLS);
        assertTrue(Outbound.drain(first).startsWith("* OK"));
        EmbeddedChannel second = connect(TlsMode.STARTTLS);
        second.runPendingTasks();
        assertEquals("* BYE [UNAVAILABLE] Too many connections from your address\r\n", Outbound.drain(second));
        assertFalse(second.isOpen());
        assertNull(second.pipeline().get(PipelineNames.PRE_AUTH), "a refused connection got a session");
    }

    @Test
    void anImplicitTlsListenerClosesOverTheCapBeforeAnyTlsWork() {
        connect(TlsMode.STARTTLS);
        EmbeddedChannel refused = connect(TlsMode.IMPLICIT);
        refused.runPendingTasks();
        assertFalse(refused.isOpen());
        assertNull(refused.pipeline().get(PipelineNames.TLS), "a TLS handler was added");
        assertEquals("", Outbound.drain(refused), "something was written on an implicit-TLS connection");
    }

    @Test
    void closingAnAdmittedConnectionFreesItsSlot() {
        EmbeddedChannel first = connect(TlsMode.NONE);
        Outbound.drain(first);
        assertEquals(1, gate.openFrom(CLIENT.getAddress()));
        first.close();
        first.close();
        assertEquals(0, gate.openFrom(CLIENT.getAddress()));
        assertEquals(0, gate.open());
        EmbeddedChannel again = connect(TlsMode.NONE);
        assertTrue(Outbound.drain(again).startsWith("* OK"), "the freed slot was not given to the next connection");
    }
}
