package dev.postern.it;

import static dev.postern.it.RoutingSupport.backendCapability;
import static dev.postern.it.RoutingSupport.quoted;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.route.Pool;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The caps on logged-in sessions against real Dovecots A and B: {@code limits.max_sessions_per_user: 2} (a third
 * login gets {@code NO [LIMIT]}, others still log in, a LOGOUT frees the slot) and
 * {@code max_connections_per_backend: 1} (a full backend is skipped to the user's next one, then
 * {@code NO [UNAVAILABLE]}; a closed session frees its backend).
 */
class SessionLimitsIT {
    private static final Duration FREED_WITHIN = Duration.ofSeconds(5);
    private static final int SPREAD_CANDIDATES = 20;

    private static DovecotServer a;
    private static DovecotServer b;
    /** One pool of A; two sessions per user. */
    private static PosternHarness perUser;
    /** One pool of A and B, one connection per backend. */
    private static PosternHarness perBackend;
    /** A user whose first backend is A. */
    private static String spreadUser;

    @BeforeAll
    static void start() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder();
        for (ClientListener listener : ClientListener.values()) {
            builder.user(listener.user("capped"), ClientListener.password(listener.user("capped")));
            builder.user(listener.user("other"), ClientListener.password(listener.user("other")));
        }
        for (int i = 0; i < SPREAD_CANDIDATES; i++) {
            builder.user("spread" + i, ClientListener.password("spread" + i));
        }
        a = builder.capabilitySuffix("A").start();
        b = builder.capabilitySuffix("B").start();
        HostPort addressA = new HostPort(a.host(), a.port());
        HostPort addressB = new HostPort(b.host(), b.port());
        perUser = PosternHarness.start("limits: {max_sessions_per_user: 2}\n", addressA.toString());
        perBackend = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["%s", "%s"]
                    max_connections_per_backend: 1
                routes:
                  default_pool: main
                """.formatted(addressA, addressB));
        Pool pool = new Pool(PoolConfig.of("main", Map.of("backends", List.of(addressA, addressB))));
        for (int i = 0; i < SPREAD_CANDIDATES && spreadUser == null; i++) {
            if (pool.orderFor("spread" + i).get(0).equals(addressA)) {
                spreadUser = "spread" + i;
            }
        }
        assertNotNull(spreadUser, "no candidate prefers A (chance 2^-20)");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {perUser, perBackend, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Logs {@code user} in on a fresh connection; the tagged reply, the client kept open in {@code held}. */
    private static String login(PosternHarness p, ClientListener listener, String user, List<RawImapClient> held)
            throws IOException {
        RawImapClient client = listener.open(p);
        held.add(client);
        return RawImapClient.tagged(client.command("a", "LOGIN " + quoted(user) + " "
                + quoted(ClientListener.password(user))));
    }

    private static void closeAll(List<RawImapClient> held) {
        held.forEach(RawImapClient::close);
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aThirdSessionOfOneUserGetsLimitUntilOneEnds(ClientListener listener) throws IOException {
        String user = listener.user("capped");
        List<RawImapClient> held = new ArrayList<>();
        try {
            assertTrue(login(perUser, listener, user, held).startsWith("a OK"));
            assertTrue(login(perUser, listener, user, held).startsWith("a OK"));
            String third = login(perUser, listener, user, held);
            assertTrue(third.startsWith("a NO [LIMIT] "), third);
            assertTrue(login(perUser, listener, listener.user("other"), held).startsWith("a OK"),
                    "another user was capped");

            RawImapClient first = held.get(0);
            assertTrue(RawImapClient.tagged(first.command("z", "LOGOUT")).startsWith("z OK"));
            first.close(); // the backend's FIN after LOGOUT only half-closes the relay: the client ends it
            await("the ended session's slot").atMost(FREED_WITHIN).pollInterval(Duration.ofMillis(100))
                    .until(() -> login(perUser, listener, user, held).startsWith("a OK"));
        } finally {
            closeAll(held);
        }
    }

    @Test
    void aFullBackendIsSkippedToTheUsersNextOneThenUnavailable() throws IOException {
        List<RawImapClient> held = new ArrayList<>();
        try {
            String first = login(perBackend, ClientListener.STARTTLS, spreadUser, held);
            assertEquals(a.capability(), backendCapability(first), first);
            String second = login(perBackend, ClientListener.STARTTLS, spreadUser, held);
            assertEquals(b.capability(), backendCapability(second), "A is full, B is next: " + second);
            String third = login(perBackend, ClientListener.STARTTLS, spreadUser, held);
            assertTrue(third.startsWith("a NO [UNAVAILABLE] "), third);
            assertTrue(perBackend.server().router().health().isUp(new HostPort(a.host(), a.port())),
                    "a full backend counted as down");

            held.get(0).close();
            AtomicReference<String> again = new AtomicReference<>();
            await("A's freed connection").atMost(FREED_WITHIN).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        again.set(login(perBackend, ClientListener.STARTTLS, spreadUser, held));
                        return again.get().startsWith("a OK");
                    });
            assertEquals(a.capability(), backendCapability(again.get()), again.get());
        } finally {
            closeAll(held);
        }
    }
}
