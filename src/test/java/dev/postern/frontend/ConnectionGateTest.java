package dev.postern.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.ClientAddressSet;
import dev.postern.config.LimitsConfig;
import dev.postern.metrics.ProxyMetrics;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The accept-time gate's counting: total, per address, IPv6 per prefix, exempt networks, release once. */
class ConnectionGateTest {
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final ProxyMetrics metrics = (ProxyMetrics) java.lang.reflect.Proxy.newProxyInstance(
            ProxyMetrics.class.getClassLoader(), new Class<?>[] {ProxyMetrics.class}, (self, m, a) -> {
                if (m.getName().equals("limitHit")) {
                    hits.computeIfAbsent((String) a[0], k -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            });

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private ConnectionGate gate(int total, int perAddress, String... exempt) {
        return new ConnectionGate(total, perAddress, 64, LimitsConfig.of(Map.of("exempt", List.of(exempt))).exemptAddresses(), metrics);
    }

    @Test
    void theConnectionPastThePerAddressCapIsRefusedWhileOtherAddressesGetIn() throws Exception {
        ConnectionGate gate = gate(100, 3);
        List<ConnectionGate.Admission> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(gate.admit(ip("192.0.2.1")));
        }
        assertTrue(held.stream().allMatch(ConnectionGate.Admission::admitted));
        ConnectionGate.Admission fourth = gate.admit(ip("192.0.2.1"));
        assertEquals(ConnectionGate.Refusal.PER_ADDRESS, fourth.refusal());
        assertTrue(fourth.refusal().bye().startsWith("* BYE [UNAVAILABLE] Too many connections from your address"));
        assertTrue(gate.admit(ip("192.0.2.2")).admitted());
        assertEquals(4, gate.open(), "a refused connection was counted in the total");
        assertEquals(1, hits.get("max_connections_per_ip").get());

        held.get(0).release();
        assertTrue(gate.admit(ip("192.0.2.1")).admitted(), "a released slot did not come back");
    }

    @Test
    void releasingTwiceGivesOneSlotBackAndARefusalHoldsNone() throws Exception {
        ConnectionGate gate = gate(10, 2);
        ConnectionGate.Admission a = gate.admit(ip("192.0.2.1"));
        gate.admit(ip("192.0.2.1"));
        ConnectionGate.Admission refused = gate.admit(ip("192.0.2.1"));
        a.release();
        a.release();
        refused.release();
        assertEquals(1, gate.openFrom(ip("192.0.2.1")));
        assertEquals(1, gate.open());
    }

    @Test
    void theTotalCapCountsEveryAddressAndTestChannelsWithoutOne() throws Exception {
        ConnectionGate gate = gate(3, 50);
        assertTrue(gate.admit(ip("192.0.2.1")).admitted());
        assertTrue(gate.admit(ip("2001:db8::1")).admitted());
        ConnectionGate.Admission noAddress = gate.admit(null);
        assertTrue(noAddress.admitted());
        ConnectionGate.Admission over = gate.admit(ip("192.0.2.9"));
        assertEquals(ConnectionGate.Refusal.TOTAL, over.refusal());
        assertTrue(over.refusal().bye().startsWith("* BYE [UNAVAILABLE] "));
        assertEquals(0, gate.openFrom(ip("192.0.2.9")), "a total refusal kept a per-address slot");
        assertEquals(1, hits.get("max_connections").get());
        noAddress.release();
        assertTrue(gate.admit(ip("192.0.2.9")).admitted());
    }

    @Test
    void ipv6ClientsAreCountedPerPrefixNetwork() throws Exception {
        ConnectionGate gate = gate(100, 2);
        assertTrue(gate.admit(ip("2001:db8:0:1::1")).admitted());
        assertTrue(gate.admit(ip("2001:db8:0:1:ffff::2")).admitted());
        assertFalse(gate.admit(ip("2001:db8:0:1::3")).admitted(), "another host of the same /64 got in");
        assertTrue(gate.admit(ip("2001:db8:0:2::1")).admitted(), "the next /64 was capped too");
        assertEquals(2, gate.openFrom(ip("2001:db8:0:1:abcd::9")));

        ConnectionGate per128 = new ConnectionGate(100, 1, 128, ClientAddressSet.EMPTY, metrics);
        assertTrue(per128.admit(ip("2001:db8::1")).admitted());
        assertTrue(per128.admit(ip("2001:db8::2")).admitted(), "a /128 prefix counts hosts apart");
    }

    @Test
    void exemptNetworksSkipThePerAddressCapButNotTheTotal() throws Exception {
        ConnectionGate gate = gate(5, 1, "192.0.2.0/24", "2001:db8::/32");
        for (int i = 0; i < 4; i++) {
            assertTrue(gate.admit(ip("192.0.2.10")).admitted());
        }
        assertTrue(gate.admit(ip("2001:db8::5")).admitted());
        assertEquals(0, gate.openFrom(ip("192.0.2.10")), "an exempt address was counted");
        assertEquals(ConnectionGate.Refusal.TOTAL, gate.admit(ip("192.0.2.10")).refusal());
        assertNull(hits.get("max_connections_per_ip"));
    }
}
