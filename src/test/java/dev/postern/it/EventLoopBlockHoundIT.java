package dev.postern.it;

import static dev.postern.it.RoutingSupport.HOST;
import static dev.postern.it.RoutingSupport.backendCapability;
import static dev.postern.it.RoutingSupport.login;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import dev.postern.config.HostPort;
import dev.postern.testing.AuthHttpStub;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.server.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockHound;

/**
 * The stronger proof that nothing blocks an event loop: BlockHound instruments the JDK's blocking methods (sleep,
 * park, socket and file I/O, ...) and reports every call of one on a thread that must not block — Netty's event
 * loop threads, through Netty's own BlockHound integration (which also allows Netty's few known internal waits).
 * Then a routing workload runs through Postern: routes from a file, auth_http (OK, refusal with Auth-Wait,
 * unknown), a slow LDAP directory, the default pool with active health checks and a failover to the next backend,
 * cache hits, wrong passwords and relayed sessions. Any blocking call on an event loop fails the test.
 *
 * <p>BlockHound is installed once per JVM and stays: its callback here only records (it never throws), so other
 * tests sharing the JVM run unchanged. Allowed, as not Postern's doing: appending a log line (logback's appenders
 * write to stderr and take a lock; production logging should be asynchronous anyway).
 */
class EventLoopBlockHoundIT {
    /** Blocking calls seen on non-blocking threads since the last {@link #clear()}, with where they happened. */
    private static final List<String> BLOCKING_CALLS = new CopyOnWriteArrayList<>();
    private static final String PASSWORD = "blockhound-pass-8";

    @BeforeAll
    static void installBlockHound() {
        BlockHound.builder()
                .loadIntegrations() // those on the class path: Netty's marks its event loop threads non-blocking
                .allowBlockingCallsInside("ch.qos.logback.classic.Logger", "callAppenders")
                .blockingMethodCallback(method -> {
                    if (BLOCKING_CALLS.size() < 100) {
                        String where = Arrays.stream(new Throwable().getStackTrace()).limit(40)
                                .map(String::valueOf).collect(Collectors.joining("\n    at "));
                        BLOCKING_CALLS.add(method + " on " + Thread.currentThread().getName() + "\n    at " + where);
                    }
                })
                .install();
    }

    private static void clear() {
        BLOCKING_CALLS.clear();
    }

    @Test
    void blockHoundReportsABlockingCallOnAnEventLoopOfPosternsTransport() throws Exception {
        clear();
        EventLoopGroup loop = Transport.best().newGroup(1);
        try {
            loop.submit(() -> {
                Thread.sleep(1);
                return null;
            }).get(5, TimeUnit.SECONDS);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertTrue(BLOCKING_CALLS.stream().anyMatch(c -> c.contains("sleep")),
                "BlockHound must report Thread.sleep on an event loop: " + BLOCKING_CALLS);
        clear();
    }

    @Test
    void noEventLoopBlocksWhileRouting(@TempDir Path dir) throws Exception {
        DovecotServer.Builder users = DovecotServer.builder();
        for (String user : List.of("filed", "httped", "ldaped", "pooled0", "pooled1", "pooled2", "pooled3")) {
            users.user(user, PASSWORD);
        }
        List<AutoCloseable> resources = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            DovecotServer a = users.capabilitySuffix("BHA").start();
            resources.add(a);
            DovecotServer b = users.capabilitySuffix("BHB").start();
            resources.add(b);
            AuthHttpStub http = AuthHttpStub.start().route("httped", HOST, a.port()).refuse("locked", "Account locked", 1);
            resources.add(http);
            InMemoryDirectoryServer directory = slowDirectory(a.port());
            resources.add(() -> directory.shutDown(true));
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, "filed: \"" + HOST + ":" + a.port() + "\"\n");

            clear();
            try (PosternHarness postern = PosternHarness.startWithYaml("""
                    pools:
                      main:
                        backends: ["%s:%d", "%s:%d"]
                        health: {enabled: true, interval: 100ms, timeout: 500ms, rise: 1, fall: 1}
                    routes:
                      default_pool: main
                      sources:
                        - {type: file, path: "%s", check_interval: 50ms}
                        - {type: ldap, url: "ldap://%s:%d", base_dn: "dc=example,dc=org", attribute: mailHost}
                        - {type: http, url: "%s", timeout: 2s, send_password: true}
                      cache: {enabled: true, ttl: 1m, negative_ttl: 1s, refresh: 30s}
                    """.formatted(HOST, a.port(), HOST, b.port(), routes, HOST, directory.getListenPort(),
                    http.url()))) {
                int port = postern.plainPort();
                List<Future<String>> replies = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (String user : List.of("filed", "httped", "ldaped", "pooled0", "pooled1", "pooled2", "pooled3")) {
                        replies.add(clients.submit(() -> login(port, user, PASSWORD)));
                    }
                    replies.add(clients.submit(() -> login(port, "locked", TestSecrets.register("locked-pass-3"))));
                    replies.add(clients.submit(() -> login(port, "filed", TestSecrets.register("wrong-" + PASSWORD))));
                }
                for (Future<String> reply : replies) {
                    assertTrue(reply.get(30, TimeUnit.SECONDS).startsWith("a "), "answered");
                }
                assertEquals(a.capability(), backendCapability(login(port, "ldaped", PASSWORD)));

                // a relayed session with some traffic, then a backend failure and failover
                try (RawImapClient session = RoutingSupport.session(port, "pooled0", PASSWORD)) {
                    assertTrue(RawImapClient.tagged(session.command("s", "SELECT INBOX")).startsWith("s OK"));
                    assertTrue(RawImapClient.tagged(session.command("z", "LOGOUT")).startsWith("z OK"));
                }
                b.kill();
                for (int i = 0; i < 4; i++) {
                    assertEquals(a.capability(), backendCapability(login(port, "pooled" + i, PASSWORD)));
                }
                HostPort addressB = new HostPort(HOST, b.port());
                await("B marked down").atMost(Duration.ofSeconds(3))
                        .until(() -> !postern.server().router().health().isUp(addressB));
                b.restart();
                await("B marked up").atMost(Duration.ofSeconds(3))
                        .until(() -> postern.server().router().health().isUp(addressB));
                for (int i = 0; i < 4; i++) {
                    assertTrue(login(port, "pooled" + i, PASSWORD).startsWith("a OK"));
                }
            }
            assertTrue(BLOCKING_CALLS.isEmpty(), BLOCKING_CALLS.size() + " blocking call(s) on event loops:\n"
                    + String.join("\n\n", BLOCKING_CALLS));
        } finally {
            clients.shutdownNow();
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
    }

    /** A directory where {@code ldaped} lives on the given port; every search takes 200 ms. */
    private static InMemoryDirectoryServer slowDirectory(int port) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.setSchema(null);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getByName(HOST), 0, null));
        config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
            @Override
            public void processSearchRequest(InMemoryInterceptedSearchRequest request) {
                RoutingSupport.pause(Duration.ofMillis(200)); // a slow directory, not a wait for a condition
            }
        });
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(config);
        directory.add("dn: dc=example,dc=org", "objectClass: top", "objectClass: domain", "dc: example");
        directory.add("dn: uid=ldaped,dc=example,dc=org", "objectClass: inetOrgPerson", "uid: ldaped", "cn: l", "sn: l",
                "mailHost: " + HOST + ":" + port);
        directory.startListening();
        return directory;
    }
}
