package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postern.probe.ProbeCommand;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Ports;
import dev.postern.testing.Quietly;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestSecrets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code postern probe} against real servers: Dovecot's plaintext port with STARTTLS and its implicit-TLS port (a
 * self-signed, then an expired certificate), Postern's listeners, a closed port, TLS expected where plaintext is
 * spoken (through {@code --config}), a login with a password file, and the JSON shape and exit codes.
 */
class ProbeIT {
    private static final String USER = "probe-user";
    private static final String PASSWORD = TestSecrets.register("Probe-it-pass-6a2");

    @TempDir
    static Path dir;
    private static DovecotServer dovecot;
    private static DovecotServer expired;
    private static PosternHarness postern;

    @BeforeAll
    static void start() {
        TestCertificates.Issued cert = TestCertificates.selfSigned(dir, "dovecot", TestCertificates.KeyType.ECDSA_P256,
                "localhost", List.of("localhost"));
        dovecot = DovecotServer.builder().user(USER, PASSWORD).tls(cert.certificateFile(), cert.keyFile()).start();
        TestCertificates.Issued old = TestCertificates.selfSigned(dir, "old", TestCertificates.KeyType.ECDSA_P256, "localhost",
                List.of("localhost"), Instant.now().minus(Duration.ofDays(60)), Instant.now().minus(Duration.ofDays(1)));
        expired = DovecotServer.builder().user(USER, PASSWORD).tls(old.certificateFile(), old.keyFile()).start();
        postern = PosternHarness.start("", dovecot.host() + ":" + dovecot.port());
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, dovecot, expired);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run probe(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--timeout", "2s"));
        all.addAll(List.of(args));
        int code = ProbeCommand.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void dovecotsStartTlsPortIsProbedThroughTheUpgrade() {
        Run run = probe("localhost:" + dovecot.port());
        assertTrue(run.out().contains("starttls: true"), run.out());
        assertTrue(run.out().contains("[OK] TLS TLSv1.3"), run.out());
        assertTrue(run.out().contains("[WARN] plaintext login is allowed before TLS"), run.out());
        assertTrue(run.out().contains("[FAIL] the certificate is self-signed"), run.out());
        assertFalse(run.out().contains("does not name localhost"), "the certificate names localhost: " + run.out());
        assertEquals(2, run.code());
    }

    @Test
    void anImplicitTlsPortOffTheUsualNumberIsFoundAndItsExpiredCertificateNamed() {
        Run run = probe("localhost:" + expired.tlsPort());
        assertTrue(run.out().contains("this port speaks implicit TLS"), run.out());
        assertTrue(run.out().contains("[FAIL] the certificate expired on"), run.out());
        assertTrue(run.out().contains("greeting: * OK"), run.out());
        assertEquals(2, run.code());
    }

    @Test
    void postern() {
        Run run = probe("127.0.0.1:" + postern.startTlsPort());
        assertTrue(run.out().contains("[OK] plaintext login refused before TLS (LOGINDISABLED)"), run.out());
        assertTrue(run.out().contains("alpn: imap"), run.out());
        assertTrue(run.out().contains("[FAIL] the certificate does not name 127.0.0.1")
                || run.out().contains("[FAIL] the certificate is self-signed"), run.out());
        Run implicit = probe("127.0.0.1:" + postern.implicitTlsPort());
        assertTrue(implicit.out().contains("this port speaks implicit TLS"), implicit.out());
    }

    @Test
    void aClosedPortIsRefused() {
        Run run = probe("127.0.0.1:" + Ports.closedPort());
        assertTrue(run.out().contains("[FAIL] connection refused: nothing listens on"), run.out());
        assertEquals(2, run.code());
    }

    @Test
    void plaintextWhereTlsIsExpectedIsNamed() throws Exception {
        Path config = dir.resolve("postern.yaml");
        Files.writeString(config, """
                listeners:
                  - {name: a, bind: "127.0.0.1:0", tls: none}
                pools:
                  main: {backends: ["127.0.0.1:%d"], tls: {mode: implicit, verify_hostname: false}}
                """.formatted(dovecot.port()));
        Run run = probe("--config", config.toString());
        assertTrue(run.out().contains("[FAIL] plaintext IMAP spoken on a port where TLS was expected"), run.out());
        assertEquals(2, run.code());
    }

    @Test
    void loginWithAPasswordFileAndJsonOutput() throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, PASSWORD + "\n");
        Run run = probe("--json", "--user", USER, "--password-file", secret.toString(), "localhost:" + dovecot.port());
        JsonNode results = new ObjectMapper().readTree(run.out());
        assertEquals(1, results.size());
        JsonNode r = results.get(0);
        assertEquals(dovecot.port(), r.get("port").asInt());
        assertEquals("fail", r.get("result").asText(), "self-signed");
        assertTrue(r.get("facts").get("capabilities").isArray());
        assertTrue(r.get("findings").toString().contains("login as " + USER + " succeeded"), run.out());
        assertFalse(run.out().contains(PASSWORD));
        Run usage = probe("--bogus");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("unknown option --bogus"));
    }
}
