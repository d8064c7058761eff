package dev.postern.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.RoutesConfig;
import dev.postern.route.AddressResolver;
import dev.postern.tls.BackendTlsContexts;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which TLS a route target gets: a pool's backend however a source spells it (exact, upper case with a trailing
 * dot, its IP address, an alias resolving to it) gets the pool's TLS and is checked against the pool's name for
 * it; a target no pool lists gets {@code routes.unlisted_targets}.
 */
class TargetTlsPolicyTest {
    private static final int TLS_PORT = 9993;
    private static final int PLAIN_PORT = 9143;
    private static final Map<String, PoolConfig> POOLS = Map.of(
            "secure", PoolConfig.of("secure", Map.of("backends", List.of("localhost:" + TLS_PORT),
                    "tls", Map.of("mode", "implicit", "insecure", true))),
            "plain", PoolConfig.of("plain", Map.of("backends", List.of("127.0.0.1:" + PLAIN_PORT))));

    private BackendTlsContexts contexts;

    @AfterEach
    void close() {
        if (contexts != null) {
            contexts.close();
        }
    }

    private TargetTlsPolicy.Choice choose(RoutesConfig.UnlistedTargets unlisted, String target, String ip, int port)
            throws Exception {
        if (contexts == null) {
            contexts = BackendTlsContexts.build(POOLS, unlisted, "jdk", Duration.ofSeconds(5));
        }
        return new TargetTlsPolicy(contexts, new AddressResolver(Runnable::run))
                .choose(HostPort.parse(target), new InetSocketAddress(ip, port)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void everySpellingOfATlsPoolsBackendGetsThePoolsTlsCheckedAgainstThePoolsName() throws Exception {
        for (String target : List.of("localhost:" + TLS_PORT, "LOCALHOST.:" + TLS_PORT, "127.0.0.1:" + TLS_PORT,
                "alias.invalid:" + TLS_PORT)) {
            TargetTlsPolicy.Choice choice = choose(RoutesConfig.UnlistedTargets.DEFAULTS, target, "127.0.0.1", TLS_PORT);
            assertNotNull(choice.tls(), target + " would be reached in plaintext");
            assertEquals("secure", choice.tls().pool());
            assertEquals("localhost", choice.tls().serverName(HostPort.parse(target)), target);
        }
    }

    @Test
    void aPlaintextPoolsBackendStaysPlaintextAndOtherPortsAreUnlisted() throws Exception {
        assertEquals(TargetTlsPolicy.Choice.PLAINTEXT, choose(RoutesConfig.UnlistedTargets.DEFAULTS,
                "localhost:" + PLAIN_PORT, "127.0.0.1", PLAIN_PORT));
        assertEquals(TargetTlsPolicy.Choice.PLAINTEXT, choose(RoutesConfig.UnlistedTargets.DEFAULTS,
                "127.0.0.1:10143", "127.0.0.1", 10143));
    }

    @Test
    void unlistedTargetsMayBeRefused() throws Exception {
        TargetTlsPolicy.Choice choice = choose(RoutesConfig.UnlistedTargets.REFUSE, "192.0.2.7:143", "192.0.2.7", 143);
        assertNull(choice.tls());
        assertEquals("route target 192.0.2.7:143 is in no pool and routes.unlisted_targets is refuse", choice.refusal());
        // A pool's backend by another spelling is not unlisted.
        assertNotNull(choose(RoutesConfig.UnlistedTargets.REFUSE, "127.0.0.1:" + TLS_PORT, "127.0.0.1", TLS_PORT).tls());
    }

    @Test
    void unlistedTargetsMayBeMadeToSpeakTls() throws Exception {
        RoutesConfig routes = RoutesConfig.of(POOLS.keySet(), Map.of("unlisted_targets",
                Map.of("tls", "starttls", "insecure", true)));
        TargetTlsPolicy.Choice choice = choose(routes.unlistedTargets(), "mail.invalid:143", "192.0.2.7", 143);
        assertNotNull(choice.tls());
        assertNull(choice.tls().pool());
        assertTrue(choice.tls().setting().equals("routes.unlisted_targets has tls: starttls"), choice.tls().setting());
        assertEquals("mail.invalid", choice.tls().serverName(HostPort.parse("mail.invalid:143")));
    }
}
