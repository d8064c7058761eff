package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as an operator runs it: options, exit codes, and one-line start-up errors. */
class CommandLineIT {
    private static final Path JAR = Path.of("target/postern.jar").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    private Run run(Duration limit, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("postern " + List.of(args) + " did not exit within " + limit);
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private String config(String bind, String cert, String key) {
        return "listeners: [{name: imaps, bind: \"" + bind + "\", tls: implicit}]\n"
                + "tls: {certificate: " + cert + ", key: " + key + ", self_signed_if_missing: true}\n"
                + "pools: {main: {backends: [\"127.0.0.1:1\"]}}\nroutes: {default_pool: main}\n";
    }

    @Test
    void helpAndVersionExitZero() throws Exception {
        Run help = run(Duration.ofSeconds(30), "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--check-config"), help.out());
        Run version = run(Duration.ofSeconds(30), "--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("postern "), version.out());
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        Run r = run(Duration.ofSeconds(30), "--frobnicate");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown option '--frobnicate'"), r.err());
    }

    @Test
    void checkConfigAcceptsTheShippedDefault() throws Exception {
        Run r = run(Duration.ofSeconds(30), "--check-config", "--config", Path.of("conf/postern.yaml").toAbsolutePath().toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("configuration OK"), r.out());
    }

    @Test
    void checkConfigPrintsEveryProblemWithItsKeyPath() throws Exception {
        Path file = write("bad.yaml", """
                listeners:
                  - {name: a, bind: "127.0.0.1:99999", tls: tlsx}
                tls: {certificate: c.pem}
                pools: {main: {backends: ["nohostport"]}}
                routes: {default_pool: nosuch}
                limits: {max_line_bytes: 0, frobs: 1}
                timeouts: {post_login_idle: 5m}
                """);
        Run r = run(Duration.ofSeconds(30), "--check-config", "--config", file.toString());
        assertEquals(3, r.exit());
        for (String expected : List.of("listeners[0].bind", "listeners[0].tls: 'tlsx'", "tls.key: missing",
                "pools.main.backends[0]", "routes.default_pool: 'nosuch'", "limits.max_line_bytes: 0",
                "limits.frobs: unknown key", "timeouts.post_login_idle: 5m (expected: at least 30m)")) {
            assertTrue(r.err().contains(expected), "missing '" + expected + "' in:\n" + r.err());
        }
    }

    @Test
    void checkConfigLoadsTheCertificatesAndWarnsAboutNames() throws Exception {
        Path file = write("nocert.yaml", """
                listeners:
                  - {name: a, bind: "127.0.0.1:0", tls: implicit}
                tls: {certificate: absent.pem, key: absent.key}
                pools: {main: {backends: ["no-such-host.invalid:143"]}}
                """);
        Run r = run(Duration.ofSeconds(30), "--check-config", "--config", file.toString());
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("tls: ") && r.err().contains("absent.pem"), r.err());
        assertTrue(r.out().contains("postern: warning: pools.main.backends: no-such-host.invalid does not resolve"),
                r.out());
    }

    @Test
    void malformedYamlNamesTheLine() throws Exception {
        Path file = write("broken.yaml", "listeners:\n  - {name: a, bind: \"127.0.0.1:1\"\ntls: [\n");
        Run r = run(Duration.ofSeconds(30), "--check-config", "--config", file.toString());
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("malformed YAML at line"), r.err());
    }

    @Test
    void aPortInUseFailsStartUpNamingTheListener() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = write("p.yaml", config("127.0.0.1:" + taken.getLocalPort(), "c.pem", "k.pem"));
            Run r = run(Duration.ofSeconds(60), "--config", file.toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("listeners.imaps: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": address already in use"), r.err());
        }
    }

    @Test
    void aMissingCertificateFailsStartUpNamingTheFile() throws Exception {
        Path file = write("p.yaml", config("127.0.0.1:0", "missing.pem", "missing.key").replace("self_signed_if_missing: true", "self_signed_if_missing: false"));
        Run r = run(Duration.ofSeconds(60), "--config", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("tls.certificate: " + dir.resolve("missing.pem") + ": file not found"), r.err());
    }

    @Test
    void aKeyOfAnotherCertificateFailsStartUp() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        for (Path d : List.of(a, b)) {
            dev.postern.tls.SelfSignedCertificates.createIfMissing(dev.postern.config.TlsConfig.of(
                    Map.of("certificate", d.resolve("c.pem"), "key", d.resolve("k.pem"), "self_signed_if_missing", true)));
        }
        Path file = write("p.yaml", config("127.0.0.1:0", "a/c.pem", "b/k.pem"));
        Run r = run(Duration.ofSeconds(60), "--config", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("does not belong to the certificate"), r.err());
    }

    @Test
    void aGarbageCertificateFailsStartUp() throws Exception {
        write("c.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        write("k.pem", "garbage\n");
        Path file = write("p.yaml", config("127.0.0.1:0", "c.pem", "k.pem"));
        Run r = run(Duration.ofSeconds(60), "--config", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("tls.certificate: " + dir.resolve("c.pem") + ": not a PEM certificate"), r.err());
    }

    /** First run of a default-like config: a self-signed certificate appears, TLS serves it, SIGTERM exits 0. */
    @Test
    void firstRunGeneratesASelfSignedCertificateAndStopsCleanlyOnSigterm() throws Exception {
        int port = Ports.closedPort();
        Path file = write("p.yaml", config("127.0.0.1:" + port, "certs/postern.crt", "certs/postern.key"));
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--config", file.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            String greeting = await("a greeting, or the process gone").atMost(Duration.ofSeconds(60))
                    .until(() -> greetingOrNull(port), g -> g != null || !p.isAlive());
            assertTrue(greeting != null && greeting.startsWith("* OK [CAPABILITY IMAP4rev1"), String.valueOf(greeting));
            assertTrue(Files.isRegularFile(dir.resolve("certs/postern.crt")));
            assertTrue(Files.readString(dir.resolve("log.txt")).contains("SHA-256 fingerprint"));
        } finally {
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no exit after SIGTERM");
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("log.txt")));
    }

    /** The greeting of the implicit-TLS listener on {@code port}, or null while nothing accepts there yet. */
    private static String greetingOrNull(int port) {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", port)) {
            return c.readLine();
        } catch (IOException notYet) {
            return null;
        }
    }
}
