package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.util.ssl.PEMFileKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import dev.postern.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LDAP source over TLS, against UnboundID's in-memory directory listening on loopback with certificates from a
 * CA made at test time: ldaps:// and StartTLS verified against the configured CA and the URL's host name; a
 * certificate for another name, or from another CA, refused; ldap:// and ldaps:// URLs in one source each speaking
 * their own way.
 */
class LdapTlsTest {
    private static final String BASE = "dc=example,dc=org";

    @TempDir
    static Path pki;
    static TestPki.Ca ca;
    static TestPki.Ca otherCa;
    static TestPki.Leaf localhost;
    static TestPki.Leaf otherName;

    private final List<InMemoryDirectoryServer> directories = new ArrayList<>();
    private final List<LdapRouteSource> sources = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() {
        ca = TestPki.ca(pki, "ca", "Postern LDAP Test CA");
        otherCa = TestPki.ca(pki, "other-ca", "Some Other CA");
        localhost = ca.issue(pki, "localhost", List.of("localhost"));
        otherName = ca.issue(pki, "other", List.of("ldap.other.example"));
    }

    @AfterEach
    void stop() {
        sources.forEach(LdapRouteSource::close);
        directories.forEach(d -> d.shutDown(true));
    }

    private enum Listen { PLAIN, LDAPS, START_TLS }

    /** A directory on 127.0.0.1 where alice's mailHost is {@code mailHost}, listening as {@code listen} says. */
    private InMemoryDirectoryServer directory(Listen listen, TestPki.Leaf certificate, String mailHost) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.setSchema(null);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        SSLUtil server = certificate == null ? null : new SSLUtil(
                new PEMFileKeyManager(certificate.chainFile().toFile(), certificate.keyFile().toFile()),
                new TrustAllTrustManager());
        config.setListenerConfigs(switch (listen) {
            case PLAIN -> InMemoryListenerConfig.createLDAPConfig("plain", loopback, 0, null);
            case START_TLS -> InMemoryListenerConfig.createLDAPConfig("starttls", loopback, 0,
                    server.createSSLSocketFactory());
            case LDAPS -> InMemoryListenerConfig.createLDAPSConfig("ldaps", loopback, 0,
                    server.createSSLServerSocketFactory(), null);
        });
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(config);
        directory.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
        directory.add("dn: uid=alice@example.org," + BASE, "objectClass: inetOrgPerson", "uid: alice@example.org",
                "mailHost: " + mailHost);
        directory.startListening();
        directories.add(directory);
        return directory;
    }

    private LdapRouteSource source(List<String> urls, Map<String, ?> options) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("urls", urls, "base_dn", BASE, "timeout", "3s",
                "threads", 1, "queue", 10));
        config.putAll(options);
        LdapRouteSource source = new LdapRouteSource(RouteSourceConfig.Ldap.of(config), Set.of("main"));
        sources.add(source);
        return source;
    }

    private static Optional<Route> alice(LdapRouteSource source) throws Exception {
        return source.lookup(LookupRequest.refresh("alice@example.org")).get(15, TimeUnit.SECONDS);
    }

    private static String refusal(LdapRouteSource source) {
        return assertThrows(ExecutionException.class, () -> alice(source)).getCause().getMessage();
    }

    private static Optional<Route> backend(String host) {
        return Optional.of(new Route.ToBackend(new HostPort(host, 143)));
    }

    @Test
    void ldapsIsVerifiedAgainstThePrivateCaAndTheUrlsHostName() throws Exception {
        InMemoryDirectoryServer directory = directory(Listen.LDAPS, localhost, "10.0.0.1");
        int port = directory.getListenPort();
        assertEquals(backend("10.0.0.1"), alice(source(List.of("ldaps://localhost:" + port),
                Map.of("ca", ca.certificateFile().toString()))));
        // The same server by a name its certificate does not carry, and against a CA that did not sign it.
        refusal(source(List.of("ldaps://127.0.0.1:" + port), Map.of("ca", ca.certificateFile().toString())));
        refusal(source(List.of("ldaps://localhost:" + port), Map.of("ca", otherCa.certificateFile().toString())));
        // Without ca: the JDK's trust store, which does not know the test CA.
        refusal(source(List.of("ldaps://localhost:" + port), Map.of()));
    }

    @Test
    void aCertificateForAnotherHostNameIsRefused() throws Exception {
        int port = directory(Listen.LDAPS, otherName, "10.0.0.1").getListenPort();
        refusal(source(List.of("ldaps://localhost:" + port), Map.of("ca", ca.certificateFile().toString())));
        int startTlsPort = directory(Listen.START_TLS, otherName, "10.0.0.1").getListenPort();
        refusal(source(List.of("ldap://localhost:" + startTlsPort),
                Map.of("ca", ca.certificateFile().toString(), "start_tls", true)));
    }

    @Test
    void startTlsUpgradesAnLdapUrlAndIsVerified() throws Exception {
        int port = directory(Listen.START_TLS, localhost, "10.0.0.2").getListenPort();
        assertEquals(backend("10.0.0.2"), alice(source(List.of("ldap://localhost:" + port),
                Map.of("ca", ca.certificateFile().toString(), "start_tls", true))));
        refusal(source(List.of("ldap://localhost:" + port),
                Map.of("ca", otherCa.certificateFile().toString(), "start_tls", true)));
    }

    @Test
    void ldapAndLdapsUrlsInOneSourceEachSpeakTheirOwnWay() throws Exception {
        InMemoryDirectoryServer plain = directory(Listen.PLAIN, null, "10.0.0.3");
        InMemoryDirectoryServer secure = directory(Listen.LDAPS, localhost, "10.0.0.4");
        LdapRouteSource source = source(List.of("ldap://127.0.0.1:" + plain.getListenPort(),
                "ldaps://localhost:" + secure.getListenPort()), Map.of("ca", ca.certificateFile().toString()));
        // The ldap:// URL first, in plaintext (one ldaps:// URL used to switch every URL to TLS).
        assertEquals(backend("10.0.0.3"), alice(source));
        plain.shutDown(true);
        // Then the ldaps:// one, over verified TLS.
        assertEquals(backend("10.0.0.4"), alice(source));
    }
}
