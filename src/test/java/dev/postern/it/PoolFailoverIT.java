package dev.postern.it;

import static dev.postern.it.RoutingSupport.backendCapability;
import static dev.postern.it.RoutingSupport.backendOf;
import static dev.postern.it.RoutingSupport.login;
import static dev.postern.it.RoutingSupport.session;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.route.BackendHealth;
import dev.postern.route.Pool;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool of two real Dovecot instances that share nothing (A and B, told apart by their {@code XPOSTERNTESTA/B}
 * capability in the tagged OK): per-user affinity, active health checks (every 200 ms, 500 ms timeout, rise 2,
 * fall 2), failover to the next backend of the user's order, return after recovery, draining, and passive marking
 * when active checks are off (with a retry once the mark is an interval old).
 */
class PoolFailoverIT {
    private static final String PASSWORD = "failover-pass-1";
    private static final int USERS = 20;
    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** "A few health intervals": fall 2 needs two failed checks, each at most interval + timeout apart. */
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(3);

    static DovecotServer a;
    static DovecotServer b;
    static PosternHarness postern;
    static HostPort addressA;
    static HostPort addressB;
    /** Users whose first choice is A (and B) while both are up; found by logging in, checked against the hash. */
    static final List<String> usersOfA = new ArrayList<>();
    static final List<String> usersOfB = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder();
        for (int i = 0; i < USERS; i++) {
            builder.user("u" + i, PASSWORD);
        }
        a = builder.capabilitySuffix("A").start();
        b = builder.capabilitySuffix("B").start();
        addressA = new HostPort(a.host(), a.port());
        addressB = new HostPort(b.host(), b.port());
        postern = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["%s", "%s"]
                    health: {enabled: true, interval: 200ms, timeout: 500ms, rise: 2, fall: 2}
                routes:
                  default_pool: main
                """.formatted(addressA, addressB));
        Pool pool = new Pool(PoolConfig.of("main", Map.of("backends", List.of(addressA, addressB))));
        for (int i = 0; i < USERS; i++) {
            String user = "u" + i;
            String landed = backendCapability(login(postern.plainPort(), user, PASSWORD));
            HostPort expected = pool.orderFor(user).get(0);
            assertEquals(expected.equals(addressA) ? a.capability() : b.capability(), landed,
                    user + " must land on the first backend of its rendezvous order");
            (landed.equals(a.capability()) ? usersOfA : usersOfB).add(user);
        }
        // 20 users on 1:1 weights: both lists are empty with probability 2^-19
        assertFalse(usersOfA.isEmpty(), "no user prefers A");
        assertFalse(usersOfB.isEmpty(), "no user prefers B");
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** Every test starts with both backends running, up and in service. */
    @BeforeEach
    void bothBackendsInService() {
        if (!a.isRunning()) {
            a.restart();
        }
        health().setDraining(addressA, false);
        health().setDraining(addressB, false);
        await("backends up again").atMost(HEALTH_BOUND)
                .until(() -> health().isUp(addressA) && health().isUp(addressB));
    }

    private static BackendHealth health() {
        return postern.server().router().health();
    }

    private static double upGauge(HostPort backend) {
        Gauge gauge = postern.registry().find("postern.backend.up").tag("backend", backend.toString()).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    @Test
    void everyUserKeepsItsBackendAcrossLogins() throws IOException {
        for (String user : usersOfA) {
            assertEquals(a.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)), user);
        }
        for (String user : usersOfB) {
            assertEquals(b.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)), user);
        }
    }

    @Test
    void stoppedBackendGoesDownItsUsersMoveAndReturnWithoutDisturbingOpenSessions() throws IOException {
        String userOfA = usersOfA.get(0);
        a.stop();
        await("A marked down by the health checks").atMost(HEALTH_BOUND)
                .until(() -> !health().isUp(addressA));
        assertEquals(0.0, upGauge(addressA), "postern.backend.up{backend=A}");
        assertEquals(1.0, upGauge(addressB), "postern.backend.up{backend=B}");
        for (String user : usersOfA) {
            assertEquals(b.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)),
                    user + " while A is down");
        }
        for (String user : usersOfB) {
            assertEquals(b.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)), user);
        }

        try (RawImapClient idling = session(postern.plainPort(), userOfA, PASSWORD)) {
            assertEquals(b.capability(), backendOf(idling, "c1"));
            assertTrue(RawImapClient.tagged(idling.command("s1", "SELECT INBOX")).startsWith("s1 OK"));
            idling.send("i1 IDLE\r\n");
            String idle = idling.readLine();
            assertTrue(idle.startsWith("+ "), idle);

            a.restart();
            await("A marked up again by the health checks").atMost(HEALTH_BOUND)
                    .until(() -> health().isUp(addressA));
            assertEquals(1.0, upGauge(addressA), "postern.backend.up{backend=A}");
            for (String user : usersOfA) {
                assertEquals(a.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)),
                        user + " after A came back");
            }

            // the session that moved to B while A was down stays there, undisturbed
            idling.send("DONE\r\n");
            String done = RawImapClient.tagged(idling.readUntilTagged("i1"));
            assertTrue(done.startsWith("i1 OK"), done);
            assertTrue(RawImapClient.tagged(idling.command("n1", "NOOP")).startsWith("n1 OK"));
            assertEquals(b.capability(), backendOf(idling, "c2"));
            assertTrue(RawImapClient.tagged(idling.command("z", "LOGOUT")).startsWith("z OK"));
        }
    }

    @Test
    void drainingBackendTakesNoNewSessionsAndKeepsItsOpenOnes() throws IOException {
        String userOfA = usersOfA.get(0);
        try (RawImapClient open = session(postern.plainPort(), userOfA, PASSWORD)) {
            assertEquals(a.capability(), backendOf(open, "c1"));
            await("a session counted on A").atMost(Duration.ofSeconds(2))
                    .until(() -> health().sessions(addressA) >= 1);

            assertTrue(health().setDraining(addressA, true));
            for (String user : usersOfA) {
                assertEquals(b.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)),
                        user + " while A drains");
            }
            assertTrue(health().isUp(addressA), "draining is not down");
            assertTrue(RawImapClient.tagged(open.command("n1", "NOOP")).startsWith("n1 OK"));
            assertTrue(RawImapClient.tagged(open.command("s1", "SELECT INBOX")).startsWith("s1 OK"));
            assertEquals(a.capability(), backendOf(open, "c2"));

            assertTrue(health().setDraining(addressA, false));
            for (String user : usersOfA) {
                assertEquals(a.capability(), backendCapability(login(postern.plainPort(), user, PASSWORD)),
                        user + " after A takes sessions again");
            }
            assertTrue(RawImapClient.tagged(open.command("z", "LOGOUT")).startsWith("z OK"));
        }
    }

    @Test
    void withoutActiveChecksAKilledBackendIsSkippedWithinTheFirstLogin() throws IOException {
        try (PosternHarness passive = PosternHarness.startWithYaml("""
                pools:
                  main:
                    backends: ["%s", "%s"]
                    health: {enabled: false, interval: 2s, rise: 1, fall: 1}
                routes:
                  default_pool: main
                """.formatted(addressA, addressB))) {
            BackendHealth passiveHealth = passive.server().router().health();
            String userOfA = usersOfA.get(0);
            assertEquals(a.capability(), backendCapability(login(passive.plainPort(), userOfA, PASSWORD)));

            a.kill();
            assertTrue(passiveHealth.isUp(addressA), "no active check has run");
            long started = System.nanoTime();
            String reply = login(passive.plainPort(), userOfA, PASSWORD);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(b.capability(), backendCapability(reply), "first login after the kill: " + reply);
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "failover took " + took.toMillis() + " ms");
            assertFalse(passiveHealth.isUp(addressA), "a refused connect marks A down (fall: 1)");
            for (String user : usersOfA) {
                assertEquals(b.capability(), backendCapability(login(passive.plainPort(), user, PASSWORD)), user);
            }

            // no check will ever see A again: the passive mark expires after the interval and a login retries A
            a.restart();
            await().atMost(Duration.ofSeconds(6)).untilAsserted(() -> assertTrue(
                    a.capability().equals(backendCapability(login(passive.plainPort(), userOfA, PASSWORD))),
                    () -> userOfA + " back on A after its passive down mark expired"));
            assertTrue(passiveHealth.isUp(addressA));
        }
    }
}
