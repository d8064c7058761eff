package dev.postern.it;

import static dev.postern.it.RoutingSupport.HOST;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import io.netty.util.NettyRuntime;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Proves that a slow route lookup never blocks an event loop.
 *
 * <p>Postern serves every client on one of {@code 2 × cores} worker event loops, assigned round robin. The LDAP
 * directory here holds every search (an {@link InMemoryOperationInterceptor} waits on a gate) while
 * {@value #LOGINS} logins start at once: {@value #LOGINS} stalled lookups outnumber the event loops several times,
 * and the round-robin assignment puts several of those logins on every loop. Meanwhile {@code 4 × loops} (at least
 * 16) other clients, connected before and still pre-auth — so again every loop serves several of them — send
 * {@code NOOP} again and again for at least {@value #STALL_MILLIS} ms. If any lookup (or anything waiting for one)
 * ran on an event loop, that loop would be stuck for the whole stall and the NOOPs of its clients would wait with it;
 * every NOOP being answered within {@value #NOOP_BOUND_MILLIS} ms while no login has finished shows that the loops
 * stayed free. When the gate opens, every login completes on the real Dovecot.
 */
class RouteLookupNonBlockingIT {
    static final int LOGINS = 40;
    static final long STALL_MILLIS = 1500;
    static final long NOOP_BOUND_MILLIS = 500;
    private static final String PASSWORD = "nonblocking-pass-2";

    @Test
    void pendingLdapLookupsLeaveEveryEventLoopFree() throws Exception {
        int eventLoops = NettyRuntime.availableProcessors() * 2;
        int idleClients = Math.max(16, 4 * eventLoops);
        assertTrue(LOGINS >= 4 * eventLoops, LOGINS + " logins must outnumber " + eventLoops + " event loops");

        DovecotServer.Builder users = DovecotServer.builder().capabilitySuffix("NB");
        for (int i = 0; i < LOGINS; i++) {
            users.user("user" + i, PASSWORD);
        }
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger searches = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(LOGINS);
        List<RawImapClient> idle = new ArrayList<>();
        InMemoryDirectoryServer directory = null;
        try (DovecotServer dovecot = users.start()) {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
            config.setSchema(null);
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getByName(HOST), 0, null));
            config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
                @Override
                public void processSearchRequest(InMemoryInterceptedSearchRequest request) {
                    searches.incrementAndGet();
                    try {
                        gate.await(20, TimeUnit.SECONDS); // the stall; the test opens the gate
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            directory = new InMemoryDirectoryServer(config);
            directory.add("dn: dc=example,dc=org", "objectClass: top", "objectClass: domain", "dc: example");
            for (int i = 0; i < LOGINS; i++) {
                directory.add("dn: uid=user" + i + ",dc=example,dc=org", "objectClass: inetOrgPerson", "uid: user" + i,
                        "cn: u", "sn: u", "mailHost: " + HOST + ":" + dovecot.port());
            }
            directory.startListening();

            // Every client comes from 127.0.0.1: the per-address cap must hold the idle clients and the logins.
            try (PosternHarness postern = PosternHarness.startWithYaml("""
                    limits: {max_connections_per_ip: %d}
                    routes:
                      sources:
                        - {type: ldap, url: "ldap://%s:%d", base_dn: "dc=example,dc=org", attribute: mailHost,
                           pool_size: %d, threads: %d, timeout: 30s}
                    """.formatted(idleClients + LOGINS, HOST, directory.getListenPort(), LOGINS, LOGINS))) {
                for (int i = 0; i < idleClients; i++) {
                    RawImapClient client = RawImapClient.plain(HOST, postern.plainPort());
                    idle.add(client);
                    assertTrue(client.readLine().startsWith("* OK"));
                }

                List<Future<String>> logins = new ArrayList<>();
                AtomicInteger finished = new AtomicInteger();
                for (int i = 0; i < LOGINS; i++) {
                    String user = "user" + i;
                    logins.add(clients.submit(() -> {
                        try {
                            return RoutingSupport.login(postern.plainPort(), user, PASSWORD);
                        } finally {
                            finished.incrementAndGet();
                        }
                    }));
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(
                        searches.get() == LOGINS,
                        () -> "all " + LOGINS + " lookups waiting in the directory, but only " + searches.get()
                                + " arrived: are lookups blocking the event loops?"));

                long stallStart = System.nanoTime();
                long worstNoop = 0;
                int noops = 0;
                while (System.nanoTime() - stallStart < TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                    for (RawImapClient client : idle) {
                        String tag = "n" + noops++;
                        long sent = System.nanoTime();
                        String reply = RawImapClient.tagged(client.command(tag, "NOOP"));
                        worstNoop = Math.max(worstNoop, System.nanoTime() - sent);
                        assertTrue(reply.startsWith(tag + " OK"), reply);
                    }
                    // a round every 50 ms keeps each client far below the pre-auth command limit (100)
                    RoutingSupport.pause(Duration.ofMillis(50));
                }
                System.out.printf("%d NOOPs on %d pre-auth clients during a %d ms stall of %d lookups; slowest %.1f ms%n",
                        noops, idleClients, STALL_MILLIS, LOGINS, worstNoop / 1e6);
                assertEquals(0, finished.get(), "no login may finish while the directory holds its lookup");
                gate.countDown();

                assertTrue(TimeUnit.NANOSECONDS.toMillis(worstNoop) < NOOP_BOUND_MILLIS, "slowest of " + noops
                        + " NOOPs during the stall took " + TimeUnit.NANOSECONDS.toMillis(worstNoop) + " ms");
                assertTrue(noops >= 2 * idleClients, "every idle client answered at least twice: " + noops);
                for (Future<String> login : logins) {
                    String reply = login.get(30, TimeUnit.SECONDS);
                    assertTrue(reply.startsWith("a OK [CAPABILITY "), reply);
                    assertEquals(dovecot.capability(), RoutingSupport.backendCapability(reply));
                }
            }
        } finally {
            gate.countDown();
            idle.forEach(RawImapClient::close);
            clients.shutdownNow();
            if (directory != null) {
                directory.shutDown(true);
            }
        }
    }
}
