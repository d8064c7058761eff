package dev.postern.it;

import static dev.postern.it.RoutingSupport.HOST;
import static dev.postern.it.RoutingSupport.backendCapability;
import static dev.postern.it.RoutingSupport.login;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldif.LDIFException;
import dev.postern.route.FileRouteSource;
import dev.postern.testing.Ports;
import dev.postern.testing.AuthHttpStub;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Route sources end to end: a client logs in through Postern, the route comes from a real auth_http service (a JDK
 * HttpServer), a routes file, or an LDAP directory (UnboundID's in-memory server), and the login lands on a real
 * Dovecot (or fails the way the issue says: refusal text, {@code [UNAVAILABLE]}, or the wrong-password reply).
 */
class RouteSourcesIT {
    private static final String WRONG_PASSWORD = TestSecrets.register("not-the-password-9");
    private static final String UNAVAILABLE_PREFIX = "a NO [UNAVAILABLE] ";

    static DovecotServer dovecot;
    /** The reply to a wrong password through Postern: what an unknown user must get too, byte for byte. */
    static String wrongPasswordReply;

    private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startDovecot() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder().capabilitySuffix("ROUTED");
        for (String user : List.of("alice", "bob", "carol", "dave", "erin")) {
            builder.user(user, password(user));
        }
        dovecot = builder.start();
        try (PosternHarness direct = PosternHarness.start("", dovecot.host() + ":" + dovecot.port())) {
            wrongPasswordReply = login(direct.plainPort(), "alice", WRONG_PASSWORD);
        }
        assertTrue(wrongPasswordReply.startsWith("a NO [AUTHENTICATIONFAILED]"), wrongPasswordReply);
    }

    @AfterAll
    static void stopDovecot() {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    private static String password(String user) {
        return user + "-route-pass-7";
    }

    private <T extends AutoCloseable> T closing(T resource) {
        closeAfter.add(0, resource);
        return resource;
    }

    private PosternHarness postern(String yaml) {
        return closing(PosternHarness.startWithYaml(yaml));
    }

    private static String loginAs(PosternHarness postern, String user) throws IOException {
        return login(postern.plainPort(), user, password(user));
    }

    private static void assertLoggedInOnDovecot(String reply) {
        assertTrue(reply.startsWith("a OK [CAPABILITY "), reply);
        assertEquals(dovecot.capability(), backendCapability(reply), reply);
    }

    private static void assertUnavailable(String reply) {
        assertTrue(reply.startsWith(UNAVAILABLE_PREFIX), reply);
    }

    // ---- auth_http -----------------------------------------------------------------------------------------------

    /** An auth_http source; a cold JDK HttpClient may take a few hundred ms for its first request: 2 s timeout. */
    private static String httpSource(AuthHttpStub stub, String extra) {
        return """
                routes:
                  sources:
                    - {type: http, url: "%s", timeout: 2s%s}
                """.formatted(stub.url(), extra);
    }

    @Test
    void authHttpOkRoutesTheLoginAndGetsNginxHeadersWithoutThePassword() throws IOException {
        AuthHttpStub stub = closing(AuthHttpStub.start()).route("alice", HOST, dovecot.port());
        PosternHarness postern = postern(httpSource(stub, ", headers: {X-Postern-Test: routing}"));

        assertLoggedInOnDovecot(loginAs(postern, "alice"));

        List<Map<String, String>> seen = stub.requestsFor("alice");
        assertEquals(1, seen.size(), "one lookup");
        Map<String, String> request = seen.get(0);
        assertEquals("alice", request.get("auth-user"));
        assertEquals("imap", request.get("auth-protocol"));
        assertEquals("127.0.0.1", request.get("client-ip"));
        assertEquals("1", request.get("auth-login-attempt"));
        assertEquals("plain", request.get("auth-method"));
        assertEquals("routing", request.get("x-postern-test"));
        assertFalse(request.containsKey("auth-pass"), "no Auth-Pass unless send_password is on");
    }

    @Test
    void authHttpGetsThePasswordOnlyWhenConfiguredTo() throws IOException {
        AuthHttpStub stub = closing(AuthHttpStub.start()).route("alice", HOST, dovecot.port());
        PosternHarness postern = postern(httpSource(stub, ", send_password: true"));

        assertLoggedInOnDovecot(loginAs(postern, "alice"));

        Map<String, String> request = stub.requestsFor("alice").get(0);
        // never put the header's value in an assertion message: it is a password
        assertTrue(password("alice").equals(request.get("auth-pass")), "Auth-Pass carries the client's password");
    }

    @Test
    void authHttpRefusalTextReachesTheClientAfterAuthWait() throws IOException {
        AuthHttpStub stub = closing(AuthHttpStub.start()).refuse("locked", "Account locked", 1);
        PosternHarness postern = postern(httpSource(stub, ""));

        long started = System.nanoTime();
        String reply = login(postern.plainPort(), "locked", TestSecrets.register("locked-pass-3"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(reply.startsWith("a NO ") && reply.endsWith("Account locked"), reply);
        assertTrue(took.toMillis() >= 900, "Auth-Wait: 1 honoured, but the NO came after " + took.toMillis() + " ms");
    }

    @Test
    void authHttpThatNeverAnswersIsATemporaryFailure() throws IOException {
        AuthHttpStub stub = closing(AuthHttpStub.start()).hang("alice");
        PosternHarness postern = postern("""
                routes:
                  sources:
                    - {type: http, url: "%s", timeout: 300ms}
                """.formatted(stub.url()));

        long started = System.nanoTime();
        String reply = loginAs(postern, "alice");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertUnavailable(reply);
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "timeout 300ms, but the NO took " + took.toMillis() + " ms");
        assertTrue(stub.requestCount() <= 1, "one request, no retries: " + stub.requestCount());
    }

    @Test
    void authHttpServiceDownIsATemporaryFailure() throws IOException {
        PosternHarness postern = postern("""
                routes:
                  sources:
                    - {type: http, url: "http://127.0.0.1:%d/auth", timeout: 300ms}
                """.formatted(Ports.closedPort()));

        assertUnavailable(loginAs(postern, "alice"));
    }

    // ---- routes file ---------------------------------------------------------------------------------------------

    @Test
    void routesFileReloadsAndABrokenFileKeepsTheLastGoodRoutes(@TempDir Path dir) throws IOException {
        Path routes = dir.resolve("routes.yaml");
        int dead = Ports.closedPort();
        String good = HOST + ":" + dovecot.port();
        String gone = HOST + ":" + dead;
        FileWriter file = new FileWriter(routes);
        file.write("bob: \"" + good + "\"\ndave: \"" + good + "\"\n");
        PosternHarness postern = postern("""
                routes:
                  sources:
                    - {type: file, path: "%s", check_interval: 100ms}
                """.formatted(routes));
        RecordingAppender log = closing(RecordingAppender.attach(FileRouteSource.class));

        assertLoggedInOnDovecot(loginAs(postern, "bob"));

        // bob's route is cached now; the reload must drop it
        file.write("bob: \"" + gone + "\"\ndave: \"" + good + "\"\n");
        await("bob routed to the dead port after the reload").atMost(Duration.ofSeconds(5))
                .until(() -> loginAs(postern, "bob").startsWith(UNAVAILABLE_PREFIX));

        file.write("bob: [this is not\n  a: route\n");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(
                log.contains("refused, keeping the previous routes"),
                () -> "the broken file refused; log: " + log.messages()));
        // dave was never looked up: his route comes from the map Postern kept, the last good file
        assertLoggedInOnDovecot(loginAs(postern, "dave"));
        assertUnavailable(loginAs(postern, "bob"));
    }

    /** Rewrites a file by atomic rename, each time with a later modification time, so every write is a change. */
    private static final class FileWriter {
        private final Path path;
        private int version;

        FileWriter(Path path) {
            this.path = path;
        }

        void write(String content) throws IOException {
            Path next = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(next, content, StandardCharsets.UTF_8);
            Files.setLastModifiedTime(next, FileTime.from(Instant.now().plusSeconds(++version)));
            Files.move(next, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Keeps the messages logged by one logger while attached. */
    private static final class RecordingAppender extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final List<String> messages = new CopyOnWriteArrayList<>();
        private Logger logger;

        static RecordingAppender attach(Class<?> source) {
            RecordingAppender appender = new RecordingAppender();
            appender.logger = (Logger) LoggerFactory.getLogger(source);
            appender.start();
            appender.logger.addAppender(appender);
            return appender;
        }

        @Override
        protected void append(ILoggingEvent event) {
            messages.add(event.getFormattedMessage());
        }

        boolean contains(String text) {
            return messages.stream().anyMatch(m -> m.contains(text));
        }

        List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            stop();
        }
    }

    // ---- LDAP ----------------------------------------------------------------------------------------------------

    /** An in-memory directory: carol's mailHost is the Dovecot, zed's a dead port; every search filter is kept. */
    private static final class Directory implements AutoCloseable {
        final InMemoryDirectoryServer server;
        final List<Filter> filters = new CopyOnWriteArrayList<>();

        Directory() throws LDAPException, LDIFException, IOException {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
            config.setSchema(null);
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap",
                    InetAddress.getByName(HOST), 0, null));
            config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
                @Override
                public void processSearchRequest(InMemoryInterceptedSearchRequest request) {
                    filters.add(request.getRequest().getFilter());
                }
            });
            server = new InMemoryDirectoryServer(config);
            server.add("dn: dc=example,dc=org", "objectClass: top", "objectClass: domain", "dc: example");
            server.add("dn: ou=people,dc=example,dc=org", "objectClass: organizationalUnit", "ou: people");
            server.add("dn: uid=carol,ou=people,dc=example,dc=org", "objectClass: inetOrgPerson", "uid: carol",
                    "cn: Carol", "sn: Carol", "mailHost: " + HOST + ":" + dovecot.port());
            server.add("dn: uid=zed,ou=people,dc=example,dc=org", "objectClass: inetOrgPerson", "uid: zed",
                    "cn: Zed", "sn: Zed", "mailHost: " + HOST + ":" + Ports.closedPort());
            server.startListening();
        }

        String source() {
            return "{type: ldap, url: \"ldap://" + HOST + ":" + server.getListenPort()
                    + "\", base_dn: \"ou=people,dc=example,dc=org\", filter: \"(uid=%u)\", attribute: mailHost}";
        }

        @Override
        public void close() {
            server.shutDown(true);
        }
    }

    @Test
    void ldapMailHostRoutesAndAFilterInjectionMatchesNothing() throws Exception {
        Directory directory = closing(new Directory());
        PosternHarness postern = postern("""
                routes:
                  sources:
                    - %s
                """.formatted(directory.source()));

        assertLoggedInOnDovecot(loginAs(postern, "carol"));
        assertEquals(wrongPasswordReply, login(postern.plainPort(), "carol", WRONG_PASSWORD));

        // Unescaped, the filter would be (uid=*)(uid=*): it matches carol and zed, and Postern would answer
        // [UNAVAILABLE] ("more than one entry"). Escaped (RFC 4515) it asks for that literal uid and finds nobody.
        String injection = "*)(uid=*";
        String reply = login(postern.plainPort(), injection, TestSecrets.register("injection-pass-5"));
        assertEquals(wrongPasswordReply, reply, "no route: the wrong-password reply");
        Filter sent = directory.filters.get(directory.filters.size() - 1);
        assertEquals(Filter.FILTER_TYPE_EQUALITY, sent.getFilterType(), sent.toString());
        assertEquals("uid", sent.getAttributeName());
        assertEquals(injection, sent.getAssertionValue());
    }

    // ---- the chain: first answer wins, unknown everywhere --------------------------------------------------------

    private String chain(Path dir, AuthHttpStub stub, Directory directory, String defaultPool) throws IOException {
        Path routes = dir.resolve("routes.csv");
        Files.writeString(routes, "# login,target\nbob," + HOST + ":" + dovecot.port() + "\n");
        return """
                pools:
                  main:
                    backends: ["%s:%d"]
                routes:
                %s  sources:
                    - {type: file, path: "%s"}
                    - {type: http, url: "%s", timeout: 2s}
                    - %s
                """.formatted(HOST, dovecot.port(), defaultPool == null ? "" : "  default_pool: " + defaultPool + "\n",
                routes, stub.url(), directory.source());
    }

    @Test
    void aUserNoSourceKnowsGetsExactlyTheWrongPasswordReply(@TempDir Path dir) throws Exception {
        AuthHttpStub stub = closing(AuthHttpStub.start()).route("alice", HOST, dovecot.port());
        Directory directory = closing(new Directory());
        PosternHarness postern = postern(chain(dir, stub, directory, null));

        assertLoggedInOnDovecot(loginAs(postern, "bob"));
        assertLoggedInOnDovecot(loginAs(postern, "alice"));
        assertLoggedInOnDovecot(loginAs(postern, "carol"));
        assertTrue(stub.requestsFor("bob").isEmpty(), "the file answered bob: later sources are not asked");

        String reply = login(postern.plainPort(), "nobody", TestSecrets.register("nobody-pass-4"));
        assertEquals(wrongPasswordReply, reply);
        assertEquals(1, stub.requestsFor("nobody").size(), "auth_http was asked (and said 404)");
        assertTrue(directory.filters.stream().anyMatch(f -> "nobody".equals(f.getAssertionValue())), "LDAP was asked");
    }

    @Test
    void aUserNoSourceKnowsGoesToTheDefaultPool(@TempDir Path dir) throws Exception {
        AuthHttpStub stub = closing(AuthHttpStub.start()).route("alice", HOST, dovecot.port());
        Directory directory = closing(new Directory());
        PosternHarness postern = postern(chain(dir, stub, directory, "main"));

        assertLoggedInOnDovecot(loginAs(postern, "dave"));
        assertEquals(1, stub.requestsFor("dave").size(), "auth_http was asked first");
        assertLoggedInOnDovecot(loginAs(postern, "carol"));
    }

    // ---- source failures and the cache ---------------------------------------------------------------------------

    @Test
    void aFailingSourceIsUnavailableUnlessTheRouteIsCached() throws IOException {
        AuthHttpStub stub = AuthHttpStub.start().route("alice", HOST, dovecot.port()).route("erin", HOST, dovecot.port());
        closing(stub);
        PosternHarness postern = postern("""
                routes:
                  sources:
                    - {type: http, url: "%s", timeout: 2s}
                  cache: {enabled: true, ttl: 5m, refresh: 1m}
                """.formatted(stub.url()));

        assertLoggedInOnDovecot(loginAs(postern, "alice"));
        stub.close();

        assertLoggedInOnDovecot(loginAs(postern, "alice"));
        assertEquals(1, stub.requestsFor("alice").size(), "the second login was served from the cache");
        assertUnavailable(loginAs(postern, "erin"));
        assertTrue(postern.server().router().cache().stats().hitCount() >= 1, "a cache hit was counted");
    }
}
