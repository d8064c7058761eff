package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pools.<name>.tls}: defaults, every accepted form, and a problem naming the key for each mistake. */
class ConfigLoaderBackendTlsTest {
    private static final String HEAD = """
            listeners:
              - {name: plain, bind: "127.0.0.1:0", tls: none, require_tls: false}
            routes: {default_pool: main}
            """;

    @TempDir
    Path dir;
    private String fingerprint;

    @BeforeEach
    void makeCa() {
        TestPki.Ca ca = TestPki.ca(dir, "ca", "Config Test CA");
        fingerprint = ca.issue(dir, "leaf", List.of("localhost")).sha256();
    }

    private PosternConfig load(String pools) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, HEAD + pools, StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    private List<String> problems(String pools) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(pools));
        return e.problems();
    }

    private static void assertProblem(List<String> problems, String expected) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                "expected a problem containing\n  " + expected + "\ngot\n  " + String.join("\n  ", problems));
    }

    @Test
    void aPoolWithoutTlsSpeaksPlainImap() throws Exception {
        PoolConfig pool = load("pools: {main: {backends: [\"127.0.0.1:143\"]}}\n").pools().get("main");
        assertEquals(BackendTlsConfig.NONE, pool.tls());
        assertFalse(pool.tls().enabled());
    }

    @Test
    void theDefaultsVerifyAgainstTheDefaultTrustStoreAndTheHostName() throws Exception {
        BackendTlsConfig tls = load("pools: {main: {backends: [\"imap.example.org:993\"], tls: {mode: implicit}}}\n")
                .pools().get("main").tls();
        assertEquals(TlsMode.IMPLICIT, tls.mode());
        assertNull(tls.ca());
        assertTrue(tls.checksHostname());
        assertNull(tls.serverName());
        assertFalse(tls.insecure());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.protocols());
        assertEquals(List.of(), tls.ciphers());
        assertEquals(List.of(), tls.pinSha256());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        BackendTlsConfig tls = load("""
                pools:
                  main:
                    backends: ["127.0.0.1:143"]
                    tls:
                      mode: STARTTLS
                      ca: ca.pem
                      verify_hostname: false
                      server_name: IMAP.Example.org
                      protocols: [tlsv1.2, TLSv1.1, TLSv1]
                      ciphers: [TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
                """).pools().get("main").tls();
        assertEquals(TlsMode.STARTTLS, tls.mode());
        assertEquals(dir.resolve("ca.pem"), tls.ca(), "relative to the config file");
        assertFalse(tls.checksHostname());
        assertEquals("imap.example.org", tls.serverName());
        assertEquals(List.of("TLSv1.2", "TLSv1.1", "TLSv1"), tls.protocols());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), tls.ciphers());
    }

    @Test
    void pinsAreNormalisedAndSkipTheNameCheck() throws Exception {
        BackendTlsConfig tls = load("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "pin_sha256: [\"" + fingerprint + "\", \" " + "AB".repeat(32) + " \"]}}}\n").pools().get("main").tls();
        assertEquals(List.of(fingerprint.replace(":", "").toLowerCase(), "ab".repeat(32)), tls.pinSha256());
        assertTrue(tls.pinned());
        assertFalse(tls.checksHostname());
    }

    @Test
    void anUnknownModeIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: ssl}}}\n"),
                "pools.main.tls.mode: 'ssl' (expected one of [implicit, starttls, none])");
    }

    @Test
    void anUnknownKeyIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, verify: false}}}\n"),
                "pools.main.tls.verify: unknown key");
    }

    @Test
    void aMissingCaFileIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, ca: nope.pem}}}\n"),
                "pools.main.tls.ca: " + dir.resolve("nope.pem") + ": file not found");
    }

    @Test
    void aCaFileThatIsNotPemIsNamed() throws IOException {
        Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, ca: junk.pem}}}\n"),
                "pools.main.tls.ca: " + dir.resolve("junk.pem") + ": not a PEM certificate bundle");
    }

    @Test
    void aCaFileWithABrokenCertificateIsNamed() throws IOException {
        Files.writeString(dir.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, ca: broken.pem}}}\n"),
                "pools.main.tls.ca: " + dir.resolve("broken.pem") + ": not a valid PEM certificate bundle");
    }

    @Test
    void aCaPathThatIsADirectoryIsNamed() throws IOException {
        Files.createDirectory(dir.resolve("adir.pem"));
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, ca: adir.pem}}}\n"),
                "pools.main.tls.ca: " + dir.resolve("adir.pem") + ": is a directory");
    }

    @Test
    void aBadFingerprintIsNamedWithItsIndex() {
        List<String> problems = problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "pin_sha256: [\"" + fingerprint + "\", \"12:34\", \"" + "zz".repeat(32) + "\"]}}}\n");
        assertProblem(problems, "pools.main.tls.pin_sha256[1]: '12:34' (expected: the 64 hex digits of a SHA-256 "
                + "certificate fingerprint, colons optional)");
        assertProblem(problems, "pools.main.tls.pin_sha256[2]: '" + "zz".repeat(32) + "'");
        assertFalse(problems.stream().anyMatch(p -> p.contains("pin_sha256[0]")), problems.toString());
    }

    @Test
    void insecureWithPinsIsAContradiction() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, insecure: true, "
                + "pin_sha256: [\"" + fingerprint + "\"]}}}\n"),
                "pools.main.tls.insecure: true together with pin_sha256 is a contradiction");
    }

    @Test
    void insecureWithACaIsAContradiction() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, insecure: true, "
                + "ca: ca.pem}}}\n"), "pools.main.tls.insecure: true together with ca");
    }

    @Test
    void pinsWithACaAreAContradiction() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, ca: ca.pem, "
                + "pin_sha256: [\"" + fingerprint + "\"]}}}\n"), "pools.main.tls.pin_sha256: together with ca");
    }

    @Test
    void anExplicitNameCheckWithPinsIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "verify_hostname: true, pin_sha256: [\"" + fingerprint + "\"]}}}\n"),
                "pools.main.tls.verify_hostname: true has no effect with pin_sha256");
    }

    @Test
    void anUnknownProtocolIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "protocols: [TLSv1.2, SSLv3]}}}\n"),
                "pools.main.tls.protocols[1]: 'SSLv3' (expected one of [TLSv1.3, TLSv1.2, TLSv1.1, TLSv1])");
    }

    @Test
    void anEmptyProtocolListIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, protocols: []}}}\n"),
                "pools.main.tls.protocols: empty");
    }

    @Test
    void aMalformedCipherIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "ciphers: [\"ECDHE+AESGCM:!aNULL\"]}}}\n"), "pools.main.tls.ciphers[0]: 'ECDHE+AESGCM:!aNULL'");
    }

    @Test
    void aBadServerNameIsNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "server_name: \"imap example\"}}}\n"), "pools.main.tls.server_name: 'imap example'");
    }

    @Test
    void settingsWithoutAModeAreNamed() {
        assertProblem(problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {ca: ca.pem}}}\n"),
                "pools.main.tls.ca: has no effect while mode is none");
    }

    @Test
    void aBackendInTwoPoolsWithDifferentTlsIsAnError() {
        assertProblem(problems("""
                pools:
                  main: {backends: ["127.0.0.1:993"], tls: {mode: implicit, ca: ca.pem}}
                  other: {backends: ["127.0.0.1:143", "127.0.0.1:993"]}
                """), "pools.other.backends[1]: 127.0.0.1:993 is also in pool 'main' with different tls settings");
    }

    @Test
    void aBackendInTwoPoolsWithTheSameTlsIsFine() throws Exception {
        PosternConfig config = load("""
                pools:
                  main: {backends: ["127.0.0.1:993"], tls: {mode: implicit, ca: ca.pem}}
                  other: {backends: ["127.0.0.1:993"], tls: {mode: implicit, ca: ca.pem}}
                """);
        assertEquals(config.pools().get("main").tls(), config.pools().get("other").tls());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        List<String> problems = problems("pools: {main: {backends: [\"127.0.0.1:993\"], tls: {mode: implicit, "
                + "ca: missing.pem, protocols: [TLSv9], pin_sha256: [xyz]}}}\n");
        assertProblem(problems, "pools.main.tls.ca:");
        assertProblem(problems, "pools.main.tls.protocols[0]:");
        assertProblem(problems, "pools.main.tls.pin_sha256[0]:");
    }
}
