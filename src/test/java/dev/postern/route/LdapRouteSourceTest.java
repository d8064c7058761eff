package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.OperationType;
import com.unboundid.ldap.sdk.RDN;
import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import dev.postern.testing.TestSecrets;
import io.netty.channel.DefaultEventLoop;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The LDAP source against UnboundID's in-memory directory server on the loopback interface. */
class LdapRouteSourceTest {
    private static final String BIND_DN = "cn=Directory Manager";
    private static final String BIND_PASSWORD = TestSecrets.register("ld4p-Bind-Secret");
    private static final String BASE = "dc=example,dc=org";
    private static final String INJECTION = "*)(uid=*";

    private InMemoryDirectoryServer directory;
    private final List<LdapRouteSource> sources = new ArrayList<>();

    /** Holds searches on the server side while armed, so the test can see where and how the lookup waits. */
    private final Gate gate = new Gate();

    static final class Gate extends InMemoryOperationInterceptor {
        volatile boolean armed;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void processSearchRequest(InMemoryInterceptedSearchRequest request) {
            if (armed) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @BeforeEach
    void startDirectory() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.addAdditionalBindCredentials(BIND_DN, BIND_PASSWORD);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("default", InetAddress.getLoopbackAddress(), 0, null));
        config.setAuthenticationRequiredOperationTypes(OperationType.SEARCH);
        config.setSchema(null); // mailHost is not in the default schema
        config.addInMemoryOperationInterceptor(gate);
        directory = new InMemoryDirectoryServer(config);
        directory.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
        directory.add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        directory.add("dn: ou=staff," + BASE, "objectClass: organizationalUnit", "ou: staff");
        person("people", "alice@example.org", "10.1.2.3");
        person("people", "bob@example.org", "10.1.2.4:10143");
        person("people", "carol@example.org", "main");
        person("people", "v6@example.org", "[2001:db8::5]:10143");
        person("people", "bare-v6@example.org", "2001:db8::7");
        person("people", "named@example.org", "imap3.example.org");
        person("people", "dave@example.org", null);
        person("people", "twin@example.org", "10.1.2.3");
        person("staff", "twin@example.org", "10.1.2.4");
        person("people", "triplet@example.org", "10.1.2.3");
        person("staff", "triplet@example.org", "10.1.2.3");
        directory.add(new Entry(new DN(new RDN("cn", "triplet-3"), new DN("ou=staff," + BASE)),
                new com.unboundid.ldap.sdk.Attribute("objectClass", "inetOrgPerson"),
                new com.unboundid.ldap.sdk.Attribute("uid", "triplet@example.org"),
                new com.unboundid.ldap.sdk.Attribute("mailHost", "10.1.2.3")));
        person("people", INJECTION, "10.6.6.6");
        directory.startListening();
    }

    private void person(String ou, String uid, String mailHost) throws Exception {
        List<com.unboundid.ldap.sdk.Attribute> attributes = new ArrayList<>(List.of(
                new com.unboundid.ldap.sdk.Attribute("objectClass", "inetOrgPerson"),
                new com.unboundid.ldap.sdk.Attribute("uid", uid)));
        if (mailHost != null) {
            attributes.add(new com.unboundid.ldap.sdk.Attribute("mailHost", mailHost));
        }
        // An RDN built from the value, so uids with filter or DN metacharacters are stored as they are.
        directory.add(new Entry(new DN(new RDN("uid", uid), new DN("ou=" + ou + "," + BASE)), attributes));
    }

    @AfterEach
    void stopDirectory() {
        gate.release.countDown();
        sources.forEach(LdapRouteSource::close);
        directory.shutDown(true);
    }

    /** A source on the test directory; {@code options} by key name replace the settings most tests use. */
    private LdapRouteSource source(Map<String, ?> options) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("url", "ldap://127.0.0.1:" + directory.getListenPort(),
                "bind_dn", BIND_DN, "bind_password", BIND_PASSWORD, "base_dn", BASE, "filter", "(uid=%u)",
                "attribute", "mailHost", "pool_size", 2, "timeout", "2s", "threads", 2, "queue", 100));
        config.putAll(options);
        LdapRouteSource source = new LdapRouteSource(RouteSourceConfig.Ldap.of(config), Set.of("main"));
        sources.add(source);
        return source;
    }

    private LdapRouteSource source() throws Exception {
        return source(Map.of());
    }

    private static LookupRequest request(String key) {
        return new LookupRequest(key, null, null, 1);
    }

    private static Optional<Route> answer(LdapRouteSource source, String key) throws Exception {
        return source.lookup(request(key)).get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<Optional<Route>> lookup) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> lookup.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aUserIsFoundByTheFilterAndItsMailHostRoutes() throws Exception {
        LdapRouteSource source = source();
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.3", 143))), answer(source, "alice@example.org"));
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.4", 10143))), answer(source, "bob@example.org"));
        assertEquals(Optional.of(new Route.ToPool("main")), answer(source, "carol@example.org"));
        assertEquals(Optional.of(new Route.ToBackend(HostPort.parse("[2001:db8::5]:10143"))),
                answer(source, "v6@example.org"));
        // No port: the default port, also for a bare IPv6 address and a host name.
        assertEquals(Optional.of(new Route.ToBackend(HostPort.parse("[2001:db8::7]:143"))), answer(source, "bare-v6@example.org"));
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("imap3.example.org", 143))), answer(source, "named@example.org"));
    }

    @Test
    void localPartAndDomainPlaceholdersWork() throws Exception {
        LdapRouteSource source = source(Map.of("filter", "(&(uid=%l@%d)(objectClass=inetOrgPerson))"));
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.3", 143))), answer(source, "alice@example.org"));
    }

    @Test
    void aMissingUserIsUnknownHere() throws Exception {
        assertEquals(Optional.empty(), answer(source(), "nobody@example.org"));
    }

    @Test
    void anEntryWithoutTheAttributeIsUnknownHere() throws Exception {
        assertEquals(Optional.empty(), answer(source(), "dave@example.org"));
    }

    @Test
    void aFilterInjectionFindsNothingAndDoesNotFail() throws Exception {
        LdapRouteSource source = source();
        // Unescaped, (uid=*)(uid=*) would be a bad filter and (uid=*) would match every entry.
        for (String attempt : List.of("*", "*@example.org", "alice@example.org)(uid=*", "*)(|(uid=*",
                "alice@example.org\\", "\u0000")) {
            assertEquals(Optional.empty(), answer(source, attempt), attempt);
        }
    }

    @Test
    void aUserNamedLikeAnInjectionFindsOnlyItsOwnEntry() throws Exception {
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.6.6.6", 143))), answer(source(), INJECTION));
    }

    @Test
    void theFilterEscapesEveryValuePerRfc4515() throws Exception {
        LdapRouteSource source = source(Map.of("filter", "(&(uid=%u)(cn=%l)(o=%d))"));
        assertEquals("(&(uid=\\2a\\29\\28uid=\\2a@ex\\5c)(cn=\\2a\\29\\28uid=\\2a)(o=ex\\5c))",
                source.filterFor(INJECTION + "@ex\\"));
    }

    @Test
    void aPlaceholderInsideTheLoginIsNotExpandedAgain() throws Exception {
        LdapRouteSource source = source(Map.of("filter", "(&(uid=%u)(o=%d))"));
        assertEquals("(&(uid=alice%d@example.org)(o=example.org))", source.filterFor("alice%d@example.org"));
        assertEquals(Optional.empty(), answer(source, "alice%d@example.org"));
    }

    @Test
    void twoMatchingEntriesAreAFailureNotAGuess() throws Exception {
        assertTrue(failure(source().lookup(request("twin@example.org"))).getMessage().contains("more than one"));
        assertTrue(failure(source().lookup(request("triplet@example.org"))).getMessage().contains("more than one"));
    }

    @Test
    void aWrongBindPasswordIsAFailure() throws Exception {
        LdapRouteSource source = source(Map.of("bind_password", TestSecrets.register("wrong-Bind-Secret")));
        Throwable e = failure(source.lookup(request("alice@example.org")));
        assertTrue(e.getMessage().startsWith("ldap: "), e.getMessage());
        assertFalse(e.getMessage().contains(BIND_PASSWORD) || e.getMessage().contains("wrong-Bind-Secret"));
    }

    @Test
    void aDirectoryThatIsDownFailsTheFutureAndNeverTheCaller() throws Exception {
        LdapRouteSource source = source();
        assertTrue(answer(source, "alice@example.org").isPresent(), "a pooled connection exists");
        int port = directory.getListenPort();
        directory.shutDown(true);

        CompletableFuture<Optional<Route>> lookup = source.lookup(request("alice@example.org"));
        Throwable e = failure(lookup);
        assertTrue(e.getMessage().startsWith("ldap: "), e.getMessage());

        // Also with no pooled connection at all.
        LdapRouteSource fresh = source(Map.of("url", "ldap://127.0.0.1:" + port));
        failure(fresh.lookup(request("alice@example.org")));
    }

    @Test
    void aDirectoryThatDoesNotAnswerFailsWithinTheTimeout() throws Exception {
        LdapRouteSource source = source(Map.of("timeout", "500ms"));
        assertTrue(answer(source, "alice@example.org").isPresent());
        gate.armed = true;
        long start = System.nanoTime();
        Throwable e = failure(source.lookup(request("alice@example.org")));
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(e.getMessage().startsWith("ldap: "), e.getMessage());
        assertTrue(elapsed < 5_000, "failed after " + elapsed + " ms");
    }

    @Test
    void theSearchRunsOnTheSourcesOwnThreadsNeverTheCallers() throws Exception {
        LdapRouteSource source = source();
        gate.armed = true;
        CompletableFuture<Optional<Route>> lookup = source.lookup(request("alice@example.org"));
        assertTrue(gate.entered.await(10, TimeUnit.SECONDS), "the search did not reach the directory");
        // The directory holds the search, and the caller already has its future back.
        assertFalse(lookup.isDone());
        AtomicReference<String> completedOn = new AtomicReference<>();
        CompletableFuture<Optional<Route>> observed = lookup.whenComplete((r, e) -> completedOn.set(Thread.currentThread().getName()));

        gate.release.countDown();
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.3", 143))), observed.get(10, TimeUnit.SECONDS));
        assertTrue(completedOn.get().startsWith("postern-ldap"), completedOn.get());
        assertNotEquals(Thread.currentThread().getName(), completedOn.get());
    }

    @Test
    void aRouterOnAnEventLoopIsNotHeldByASlowDirectory() throws Exception {
        LdapRouteSource source = source();
        RouteCache cache = new RouteCache(source, new RouteCache.Settings(true, Duration.ofMinutes(5), Duration.ofSeconds(30),
                Duration.ofMinutes(1), 100), System::nanoTime, Runnable::run);
        Router router = new Router(cache, Map.of(), null, new BackendHealth(), LoginNames.DEFAULT);
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            gate.armed = true;
            CompletableFuture<RouteDecision> decision = loop.submit(
                    () -> router.resolve(request("alice@example.org"))).get(5, TimeUnit.SECONDS);
            assertTrue(gate.entered.await(10, TimeUnit.SECONDS), "the search did not reach the directory");
            // The directory holds the search; the event loop is free for other work meanwhile.
            assertEquals("free", loop.submit(() -> "free").get(5, TimeUnit.SECONDS));
            assertFalse(decision.isDone());

            gate.release.countDown();
            assertEquals(new RouteDecision.Backends(List.of(new HostPort("10.1.2.3", 143))), decision.get(10, TimeUnit.SECONDS));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aFullQueueIsATemporaryFailure() throws Exception {
        LdapRouteSource source = source(Map.of("timeout", "5s", "threads", 1, "queue", 1));
        gate.armed = true;
        CompletableFuture<Optional<Route>> running = source.lookup(request("alice@example.org"));
        assertTrue(gate.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<Optional<Route>> queued = source.lookup(request("bob@example.org"));
        CompletableFuture<Optional<Route>> rejected = source.lookup(request("carol@example.org"));

        assertTrue(rejected.isCompletedExceptionally(), "a lookup beyond threads + queue was accepted");
        assertTrue(failure(rejected).getMessage().contains("queue full"));
        gate.armed = false;
        gate.release.countDown();
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.3", 143))), running.get(10, TimeUnit.SECONDS));
        assertEquals(Optional.of(new Route.ToBackend(new HostPort("10.1.2.4", 10143))), queued.get(10, TimeUnit.SECONDS));
    }
}
