package dev.postern.it;

import static dev.postern.it.TlsItSupport.count;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Live certificate rotation: the files named by {@code tls.certificate}/{@code tls.key} are replaced the way an
 * operator's tooling does it (new files written beside them, then renamed over them), with Postern checking every
 * 100 ms. Sessions already open keep their TLS session and their backend (an IDLE through a real Dovecot survives);
 * new connections get the new certificate; a replacement that cannot be used is refused and counted, and the
 * previous certificate keeps being served.
 */
@ParameterizedClass(name = "provider {0}")
@ValueSource(strings = {"openssl", "jdk"})
class CertificateRotationIT {
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(15);
    private static final Duration IDLE_NOTIFICATION_WAIT = Duration.ofSeconds(20);
    private static final String USER = "rotation";
    private static final String PASSWORD = "Rot-" + randomHex();

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static Path dir;
    private static int generation;

    @Parameter
    String provider;

    @BeforeParameterizedClassInvocation
    static void start(String provider) throws IOException {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("ROTATION")
                .extraConfig("mailbox_idle_check_interval = 1 secs").start();
        dir = Files.createTempDirectory("postern-rotation-");
        TestCertificates.selfSigned(dir, "server", KeyType.ECDSA_P256, "first.localhost", List.of("localhost"));
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                tls:
                  provider: %s
                  certificate: server.crt
                  key: server.key
                  reload_interval: 100ms
                pools:
                  main:
                    backends: ["%s:%d"]
                routes:
                  default_pool: main
                """.formatted(provider, dovecot.host(), dovecot.port()));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (postern != null) {
            postern.close();
            postern = null;
        }
        if (dovecot != null) {
            dovecot.close();
            dovecot = null;
        }
    }

    @Test
    void anIdleSessionSurvivesRotationAndNewConnectionsGetTheNewCertificate() throws IOException {
        try (RawImapClient idling = loggedIn(); RawImapClient writer = loggedIn()) {
            X509Certificate before = peer(idling);
            assertTrue(RawImapClient.tagged(idling.command("s", "SELECT INBOX")).startsWith("s OK"));
            idling.send("i IDLE\r\n");
            String cont = idling.readLine();
            assertTrue(cont.startsWith("+ "), cont);

            TestCertificates.Issued next = rotateTo(KeyType.ECDSA_P256, Duration.ofDays(20));

            // The open session: still the old TLS session, and its backend still talks to it.
            assertEquals(before, peer(idling));
            byte[] message = ("Subject: rotation\r\nFrom: a@example.org\r\n\r\nafter the certificate changed\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            writer.send("w APPEND INBOX {" + message.length + "}\r\n");
            String go = writer.readLine();
            assertTrue(go.startsWith("+"), go);
            writer.sendBytes(message);
            writer.send("\r\n");
            assertTrue(RawImapClient.tagged(writer.readUntilTagged("w")).startsWith("w OK"));
            ClientListener.awaitLine(idling, l -> l.matches("\\* \\d+ EXISTS"), IDLE_NOTIFICATION_WAIT,
                    "EXISTS on the session opened before the rotation");
            idling.send("DONE\r\n");
            String done = RawImapClient.tagged(idling.readUntilTagged("i"));
            assertTrue(done.startsWith("i OK"), done);
            assertTrue(RawImapClient.tagged(idling.command("z", "LOGOUT")).startsWith("z OK"));

            // A new connection logs in over the new certificate.
            try (RawImapClient fresh = loggedIn()) {
                assertEquals(next.certificate(), peer(fresh));
            }
        }
    }

    @Test
    void theExpiryGaugeFollowsAGoodRotation() {
        TestCertificates.Issued next = rotateTo(KeyType.ECDSA_P256, Duration.ofDays(3));
        double expected = Duration.between(Instant.now(), next.certificate().getNotAfter().toInstant()).toSeconds();
        double gauge = expiryGauge();
        assertTrue(Math.abs(gauge - expected) < 120, "postern.tls.certificate.expiry{default} = " + gauge
                + ", expected about " + expected);
    }

    @Test
    void aRotationFromEcdsaToRsaIsServed() {
        TestCertificates.Issued next = rotateTo(KeyType.RSA_2048, Duration.ofDays(10));
        assertEquals("RSA", next.certificate().getPublicKey().getAlgorithm());
        assertEquals(next.certificate(), currentLeaf());
    }

    @Test
    void reloadOnDemandTakesTheNewFilesAtOnce() {
        TestCertificates.Issued next = write(KeyType.ECDSA_P256, Duration.ofDays(12));
        postern.server().reload(); // what SIGHUP does; the watcher may get there first, with the same result
        assertEquals(next.certificate(), currentLeaf());
    }

    enum Broken {
        /** Not PEM at all where the certificate should be (the key beside it is fine). */
        GARBAGE_PEM,
        /** A good certificate, but the key of another one. */
        KEY_OF_ANOTHER_CERTIFICATE,
        /** A certificate and its own key, but expired yesterday. */
        EXPIRED
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Broken.class)
    void aBrokenReplacementKeepsThePreviousCertificate(Broken kind) throws IOException {
        TestCertificates.Issued good = rotateTo(KeyType.ECDSA_P256, Duration.ofDays(25));
        double gaugeBefore = expiryGauge();
        double failedBefore = reloads("failed");
        double okBefore = reloads("ok");

        Path staging = Files.createTempDirectory(dir, "staging-");
        Path crt;
        Path key;
        switch (kind) {
            case GARBAGE_PEM -> {
                TestCertificates.Issued other = TestCertificates.selfSigned(staging, "x", KeyType.ECDSA_P256, "x", List.of("x"));
                crt = Files.writeString(staging.resolve("garbage.crt"),
                        "-----BEGIN CERTIFICATE-----\nthis is not base64 at all!\n-----END CERTIFICATE-----\n");
                key = other.keyFile();
            }
            case KEY_OF_ANOTHER_CERTIFICATE -> {
                TestCertificates.Issued a = TestCertificates.selfSigned(staging, "a", KeyType.ECDSA_P256, "a", List.of("localhost"));
                TestCertificates.Issued b = TestCertificates.selfSigned(staging, "b", KeyType.ECDSA_P256, "b", List.of("localhost"));
                crt = a.certificateFile();
                key = b.keyFile();
            }
            case EXPIRED -> {
                Instant now = Instant.now();
                TestCertificates.Issued old = TestCertificates.selfSigned(staging, "old", KeyType.ECDSA_P256, "expired",
                        List.of("localhost"), now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
                crt = old.certificateFile();
                key = old.keyFile();
            }
            default -> throw new IllegalStateException();
        }
        replace(crt, key);

        await().atMost(RELOAD_WAIT).untilAsserted(() -> assertTrue(
                reloads("failed") > failedBefore,
                () -> "postern.tls.reloads{outcome=failed} > " + failedBefore + " after a " + kind + " replacement"));
        assertEquals(okBefore, reloads("ok"), "a broken replacement must not count as a reload");
        assertEquals(good.certificate(), currentLeaf(), "new connections keep the previous certificate");
        assertEquals(gaugeBefore, expiryGauge(), 5.0, "the expiry gauge keeps the served certificate's");
        // and it is still watched: a good file after the broken one is taken
        TestCertificates.Issued fixed = rotateTo(KeyType.ECDSA_P256, Duration.ofDays(26));
        assertEquals(fixed.certificate(), currentLeaf());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Replaces server.crt/server.key with a new pair valid for {@code validFor}; waits until it is served. */
    private static TestCertificates.Issued rotateTo(KeyType type, Duration validFor) {
        double okBefore = reloads("ok");
        TestCertificates.Issued next = write(type, validFor);
        await().atMost(RELOAD_WAIT).untilAsserted(() -> assertTrue(
                reloads("ok") > okBefore && next.certificate().equals(currentLeaf()),
                () -> "the new certificate served (postern.tls.reloads{ok} was " + okBefore + ", now "
                        + reloads("ok") + ", failed " + reloads("failed") + ")"));
        return next;
    }

    /**
     * Writes a new pair beside the live files and renames it over them (certificate, then key: the watcher may see
     * the new certificate with the old key in between, refuse that, and take the pair at the next check).
     */
    private static TestCertificates.Issued write(KeyType type, Duration validFor) {
        try {
            Path staging = Files.createTempDirectory(dir, "staging-");
            Instant now = Instant.now();
            TestCertificates.Issued issued = TestCertificates.selfSigned(staging, "next", type,
                    "gen" + (++generation) + ".localhost", List.of("localhost"), now.minus(Duration.ofHours(1)),
                    now.plus(validFor));
            replace(issued.certificateFile(), issued.keyFile());
            return new TestCertificates.Issued(issued.certificate(), dir.resolve("server.crt"), dir.resolve("server.key"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void replace(Path crt, Path key) throws IOException {
        Files.move(crt, dir.resolve("server.crt"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(key, dir.resolve("server.key"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static double reloads(String outcome) {
        return count(postern.registry(), "postern.tls.reloads", "outcome", outcome);
    }

    private static double expiryGauge() {
        return postern.registry().get("postern.tls.certificate.expiry").tag("name", "default").gauge().value();
    }

    /** The leaf a new connection is served. */
    private static X509Certificate currentLeaf() {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.port("imaps"))) {
            return peer(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate peer(RawImapClient client) {
        try {
            return (X509Certificate) client.sslSession().getPeerCertificates()[0];
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new AssertionError(e);
        }
    }

    private static String randomHex() {
        byte[] bytes = new byte[6];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static RawImapClient loggedIn() throws IOException {
        RawImapClient c = RawImapClient.tls("127.0.0.1", postern.port("imaps"));
        String greeting = c.readLine();
        assertTrue(greeting.startsWith("* OK"), greeting);
        String ok = RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD));
        assertTrue(ok.startsWith("l OK"), ok);
        return c;
    }
}
