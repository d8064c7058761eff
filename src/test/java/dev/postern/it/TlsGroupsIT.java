package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.OpenSslClient;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.groups} decides the key exchange, seen from OpenSSL's s_client ("Server Temp Key"): the server's first
 * group the client offers wins, a client offering none of them is refused, and without the key BoringSSL's own
 * list serves every classical group a client offers.
 */
class TlsGroupsIT {
    @TempDir
    Path dir;

    private PosternHarness postern(String groups) throws Exception {
        Path sub = Files.createTempDirectory(dir, "postern-");
        TestPki.ca(sub, "ca", "Groups Test CA").issue(sub, "server", List.of("localhost", "127.0.0.1"));
        return PosternHarness.startWithFullYaml(sub, "listeners:\n  - {name: imaps, bind: \"127.0.0.1:0\", "
                + "tls: implicit}\ntls: {certificate: server.crt, key: server.key" + groups
                + "}\npools:\n  main:\n    backends: [\"127.0.0.1:1\"]\nroutes:\n  default_pool: main\n");
    }

    @Test
    void theServersOrderWinsAmongWhatTheClientOffers() throws Exception {
        try (PosternHarness postern = postern(", groups: [P-256, X25519]")) {
            OpenSslClient.Result r = OpenSslClient.connect(postern.implicitTlsPort(), "-groups", "X25519:P-256");
            assertTrue(r.connected(), r::summary);
            assertTrue(r.output().contains("Server Temp Key: ECDH, prime256v1"), r::output);
        }
    }

    @Test
    void aClientOfferingNoneOfTheGroupsIsRefused() throws Exception {
        try (PosternHarness postern = postern(", groups: [X25519]")) {
            OpenSslClient.Result r = OpenSslClient.connect(postern.implicitTlsPort(), "-groups", "P-256:P-384");
            assertFalse(r.connected(), r::output);
        }
    }

    @Test
    void withoutTheKeyEveryClassicalGroupOfBoringSslServes() throws Exception {
        try (PosternHarness postern = postern("")) {
            for (String group : new String[] {"X25519", "P-256", "P-384"}) {
                OpenSslClient.Result r = OpenSslClient.connect(postern.implicitTlsPort(), "-groups", group);
                assertTrue(r.connected(), r::summary);
            }
            OpenSslClient.Result x = OpenSslClient.connect(postern.implicitTlsPort(), "-groups", "X25519");
            assertTrue(x.output().contains("Server Temp Key: X25519"), x::output);
        }
    }
}
