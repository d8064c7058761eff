package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestPki;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 6125 name checks for directory certificates: DNS names, one-label wildcards, IP addresses only as such. */
class LdapHostVerifierTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateNamesExactlyItsHostsAndAddresses() {
        X509Certificate leaf = TestPki.ca(dir, "ca", "CA").issue(dir, "leaf",
                List.of("ldap.example.org", "*.dir.example.org", "192.0.2.7", "2001:db8::7")).certificate();
        for (String host : List.of("ldap.example.org", "LDAP.Example.org.", "a.dir.example.org", "192.0.2.7",
                "2001:db8:0:0:0:0:0:7")) {
            assertTrue(LdapHostVerifier.names(leaf, host), host);
        }
        for (String host : List.of("example.org", "x.ldap.example.org", "dir.example.org", "a.b.dir.example.org",
                "192.0.2.8", "localhost", "2001:db8::8")) {
            assertFalse(LdapHostVerifier.names(leaf, host), host);
        }
    }
}
