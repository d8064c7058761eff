package dev.postern.it;

import static dev.postern.it.TlsItSupport.count;
import static dev.postern.it.TlsItSupport.handshakes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.OpenSslClient;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client-facing TLS policy, seen from a real TLS client ({@code openssl s_client}), for both providers:
 * protocol floor, AEAD-only suites, ECDSA and RSA certificates side by side, SNI with a wildcard and a default,
 * strict ALPN on implicit TLS and after STARTTLS, and session resumption. The JDK provider runs first: it must
 * work in a JVM where netty-tcnative was never loaded.
 */
@ParameterizedClass(name = "provider {0}")
@ValueSource(strings = {"jdk", "openssl"})
class TlsHandshakeMatrixIT {
    private static final Duration METRIC_WAIT = Duration.ofSeconds(10);
    private static PosternHarness postern;
    private static TestCertificates.Issued ecdsa;
    private static TestCertificates.Issued rsa;
    private static TestCertificates.Issued org;
    private static TestCertificates.Issued net;

    @Parameter
    String provider;

    @BeforeParameterizedClassInvocation
    static void start(String provider) throws IOException {
        Path dir = Files.createTempDirectory("postern-tls-matrix-");
        ecdsa = TestCertificates.selfSigned(dir, "ecdsa", KeyType.ECDSA_P256, "localhost", List.of("localhost"));
        rsa = TestCertificates.selfSigned(dir, "rsa", KeyType.RSA_2048, "localhost-rsa", List.of("localhost"));
        org = TestCertificates.selfSigned(dir, "org", KeyType.ECDSA_P256, "mail.example.org", List.of("mail.example.org"));
        net = TestCertificates.selfSigned(dir, "net", KeyType.ECDSA_P256, "wildcard.example.net", List.of("*.example.net"));
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                  - {name: imap, bind: "127.0.0.1:0", tls: starttls}
                  - {name: strict, bind: "127.0.0.1:0", tls: implicit, alpn: required}
                tls:
                  provider: %s
                  certificate: ecdsa.crt
                  key: ecdsa.key
                  certificates: [{certificate: rsa.crt, key: rsa.key}]
                  sni:
                    - {names: [mail.example.org], certificate: org.crt, key: org.key}
                    - {names: ["*.example.net"], certificate: net.crt, key: net.key}
                """.formatted(provider));
        assertEquals(provider, postern.server().tls().provider().name().startsWith("OPENSSL") ? "openssl" : "jdk");
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (postern != null) {
            postern.close();
            postern = null;
        }
    }

    private static int imaps() {
        return postern.port("imaps");
    }

    private double failed(String listener, String reason) {
        return count(postern.registry(), "postern.tls.handshakes", "listener", listener, "outcome", "failed",
                "reason", reason);
    }

    private void awaitFailed(String listener, String reason, double before) {
        await().atMost(METRIC_WAIT).untilAsserted(() -> assertTrue(
                failed(listener, reason) > before,
                () -> "postern.tls.handshakes{" + listener + ",failed," + reason + "} > " + before + ": "
                        + handshakes(postern.registry())));
    }

    // ---- protocols and suites ---------------------------------------------------------------------------------

    @Test
    void tls13IsAccepted() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-tls1_3");
        assertEquals("TLSv1.3", r.protocol(), r.summary());
        assertTrue(r.cipher().matches("TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_SHA(256|384)"), r.summary());
    }

    @Test
    void tls12IsAcceptedWithAnAeadSuite() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-tls1_2");
        assertEquals("TLSv1.2", r.protocol(), r.summary());
        assertAeadWithForwardSecrecy(r);
    }

    @Test
    void serverPicksTheAeadSuiteWhenTheClientPrefersCbc() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-tls1_2", "-cipher",
                "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256");
        assertEquals("ECDHE-ECDSA-AES128-GCM-SHA256", r.cipher(), r.summary());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-tls1_1", "-tls1"})
    void oldProtocolsAreRefused(String version) {
        double before = failed("imaps", "protocol_version");
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), version, "-cipher", "DEFAULT@SECLEVEL=0");
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("protocol version"), r.summary());
        awaitFailed("imaps", "protocol_version", before);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384",
        "AES128-GCM-SHA256"})
    void suitesWithoutAeadOrForwardSecrecyAreRefused(String suite) {
        double before = failed("imaps", "no_shared_cipher");
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-tls1_2", "-cipher", suite);
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("handshake failure"), r.summary());
        awaitFailed("imaps", "no_shared_cipher", before);
    }

    private static void assertAeadWithForwardSecrecy(OpenSslClient.Result r) {
        String cipher = r.cipher();
        assertTrue(cipher != null && cipher.startsWith("ECDHE-") && (cipher.contains("GCM") || cipher.contains("CHACHA20")),
                r.summary());
    }

    // ---- ECDSA and RSA side by side ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = ' ', value = {
        "-tls1_3 -sigalgs RSA-PSS+SHA256:RSA+SHA256",
        "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256",
        "-tls1_2 -sigalgs RSA+SHA256:RSA-PSS+SHA256"})
    void aClientWithoutEcdsaGetsTheRsaCertificate(String version, String option, String value) {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), version, option, value);
        assertTrue(r.connected(), r.summary());
        assertEquals(rsa.sha256(), TestCertificates.Issued.sha256(r.leaf()), r.summary());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = ' ', value = {
        "-tls1_3 -sigalgs ECDSA+SHA256",
        "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256",
        "-tls1_3 -sigalgs ECDSA+SHA256:RSA-PSS+SHA256",
        "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"})
    void aClientWithEcdsaGetsTheEcdsaCertificate(String version, String option, String value) {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), version, option, value);
        assertTrue(r.connected(), r.summary());
        assertEquals(ecdsa.sha256(), TestCertificates.Issued.sha256(r.leaf()), r.summary());
    }

    // ---- SNI --------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mail.example.org, org",
        "MAIL.Example.ORG, org",
        "imap.example.net, net",
        "other.example.com, default",
        "example.net, default",
        "localhost, default"})
    void sniPicksTheCertificate(String serverName, String expected) {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-servername", serverName);
        assertTrue(r.connected(), r.summary());
        TestCertificates.Issued want = switch (expected) {
            case "org" -> org;
            case "net" -> net;
            default -> ecdsa;
        };
        assertEquals(want.sha256(), TestCertificates.Issued.sha256(r.leaf()),
                "for " + serverName + ": got " + r.leafCommonName() + "; " + r.summary());
    }

    @Test
    void noSniGetsTheDefaultCertificate() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-noservername");
        assertTrue(r.connected(), r.summary());
        assertEquals(ecdsa.sha256(), TestCertificates.Issued.sha256(r.leaf()), r.summary());
    }

    @Test
    void anRsaOnlyClientAskingForAnEcdsaOnlyNameIsRefusedNotServedTheWrongName() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-servername", "mail.example.org", "-tls1_2",
                "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
        assertFalse(r.connected(), r.summary());
    }

    // ---- ALPN -------------------------------------------------------------------------------------------------

    @Test
    void aForeignAlpnIsRefusedWithNoApplicationProtocol() {
        double before = failed("imaps", "alpn");
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-alpn", "http/1.1");
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("no application protocol"), r.summary());
        awaitFailed("imaps", "alpn", before);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"imap", "http/1.1,imap", "imap,h2"})
    void imapIsSelectedWhenOffered(String offered) {
        OpenSslClient.Result r = OpenSslClient.connect(imaps(), "-alpn", offered);
        assertTrue(r.connected(), r.summary());
        assertEquals("imap", r.alpn(), r.summary());
    }

    @Test
    void noAlpnIsAcceptedOnAnOptionalListener() {
        OpenSslClient.Result r = OpenSslClient.connect(imaps());
        assertTrue(r.connected(), r.summary());
        assertNull(r.alpn(), r.summary());
    }

    @Test
    void noAlpnIsRefusedWhenTheListenerRequiresIt() {
        double before = failed("strict", "alpn");
        OpenSslClient.Result r = OpenSslClient.connect(postern.port("strict"));
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("no application protocol"), r.summary());
        awaitFailed("strict", "alpn", before);
        OpenSslClient.Result ok = OpenSslClient.connect(postern.port("strict"), "-alpn", "imap");
        assertEquals("imap", ok.alpn(), ok.summary());
    }

    // ---- STARTTLS runs the same ClientHello checks ------------------------------------------------------------

    @Test
    void startTlsRefusesAForeignAlpn() {
        double before = failed("imap", "alpn");
        OpenSslClient.Result r = OpenSslClient.connect(postern.port("imap"), "-starttls", "imap", "-alpn", "http/1.1");
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("no application protocol"), r.summary());
        awaitFailed("imap", "alpn", before);
    }

    @Test
    void startTlsSelectsImapAndTheSniCertificate() {
        OpenSslClient.Result r = OpenSslClient.connect(postern.port("imap"), "-starttls", "imap", "-alpn", "imap",
                "-servername", "imap.example.net");
        assertEquals("imap", r.alpn(), r.summary());
        assertEquals(net.sha256(), TestCertificates.Issued.sha256(r.leaf()), r.summary());
    }

    @Test
    void startTlsRefusesTls11() {
        OpenSslClient.Result r = OpenSslClient.connect(postern.port("imap"), "-starttls", "imap", "-tls1_1", "-cipher",
                "DEFAULT@SECLEVEL=0");
        assertFalse(r.connected(), r.summary());
        assertTrue(r.alert("protocol version"), r.summary());
    }

    // ---- resumption -------------------------------------------------------------------------------------------

    /**
     * Two handshakes in a row, the second offering the first's session. s_client reads until Postern closes after
     * LOGOUT, so the TLS 1.3 tickets (sent after the handshake) are in the session file. Postern counts resumed
     * handshakes only with the OpenSSL provider: the JDK engine does not say whether it resumed (see
     * {@link dev.postern.tls.TlsSessions}), so there only the client's view is checked.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void theSecondHandshakeResumesTheFirstSession(String version, @org.junit.jupiter.api.io.TempDir Path tmp) {
        Path session = tmp.resolve("session.pem");
        double before = count(postern.registry(), "postern.tls.resumed", "listener", "imaps");
        OpenSslClient.Result first = OpenSslClient.run(imaps(), "a LOGOUT\n", OpenSslClient.DEFAULT_TIMEOUT, version,
                "-crlf", "-ign_eof", "-sess_out", session.toString());
        assertTrue(first.connected() && !first.reused(), first.summary());
        assertTrue(first.output().contains("a OK"), first.summary());
        assertTrue(Files.exists(session), "no session written: " + first.summary());

        OpenSslClient.Result second = OpenSslClient.run(imaps(), "a LOGOUT\n", OpenSslClient.DEFAULT_TIMEOUT, version,
                "-crlf", "-ign_eof", "-sess_in", session.toString());
        assertTrue(second.reused(), second.summary());
        assertTrue(second.output().contains("a OK"), second.summary());
        if (provider.equals("openssl")) {
            await().atMost(METRIC_WAIT).untilAsserted(() -> assertTrue(
                    count(postern.registry(), "postern.tls.resumed", "listener", "imaps") >= before + 1,
                    () -> "postern.tls.resumed{imaps} stayed at " + before));
        }
    }

    @Test
    void aResumedSessionAfterTicketKeyRotationStillResumes(@org.junit.jupiter.api.io.TempDir Path tmp) {
        Path session = tmp.resolve("session.pem");
        OpenSslClient.Result first = OpenSslClient.run(imaps(), "a LOGOUT\n", OpenSslClient.DEFAULT_TIMEOUT, "-tls1_3",
                "-crlf", "-ign_eof", "-sess_out", session.toString());
        assertTrue(first.connected(), first.summary());
        postern.server().tls().rotateTicketKeys();
        OpenSslClient.Result second = OpenSslClient.run(imaps(), "a LOGOUT\n", OpenSslClient.DEFAULT_TIMEOUT, "-tls1_3",
                "-crlf", "-ign_eof", "-sess_in", session.toString());
        assertTrue(second.connected(), second.summary());
        if (provider.equals("openssl")) {
            // The previous key still decrypts: one rotation never breaks resumption (TicketKeys).
            assertTrue(second.reused(), second.summary());
        }
    }
}
