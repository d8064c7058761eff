package dev.postern.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.ConfigLoader;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --check-config} past the YAML: each kind of problem reported with its key path, network ones as warnings. */
class ConfigCheckTest {
    @TempDir
    Path dir;

    private ConfigCheck.Report check(String tlsAndMore) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                """ + tlsAndMore);
        return ConfigCheck.run(ConfigLoader.load(file));
    }

    private void issue(String stem, Instant from, Instant until) {
        TestCertificates.selfSigned(dir, stem, KeyType.ECDSA_P256, "localhost", List.of("localhost"), from, until);
    }

    @Test
    void aGoodConfigHasNothingToSay() throws Exception {
        issue("good", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(90)));
        ConfigCheck.Report report = check("tls: {certificate: good.crt, key: good.key}\n");
        assertEquals(List.of(), report.errors());
        assertEquals(List.of(), report.warnings());
    }

    @Test
    void missingMismatchedExpiredAndExpiringCertificatesAreNamed() throws Exception {
        Instant now = Instant.now();
        issue("good", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        issue("other", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        issue("old", now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(1)));
        issue("soon", now.minus(Duration.ofDays(60)), now.plus(Duration.ofDays(10)));
        ConfigCheck.Report report = check("""
                tls:
                  certificate: missing.crt
                  key: good.key
                  certificates:
                    - {certificate: good.crt, key: other.key}
                    - {certificate: old.crt, key: old.key}
                  sni:
                    - {names: [soon.example], certificate: soon.crt, key: soon.key}
                """);
        assertEquals(3, report.errors().size(), String.join("\n", report.errors()));
        assertTrue(report.errors().get(0).startsWith("tls: ") && report.errors().get(0).contains("missing.crt"),
                report.errors().get(0));
        assertTrue(report.errors().get(1).startsWith("tls.certificates[0]: "), report.errors().get(1));
        assertTrue(report.errors().get(2).startsWith("tls.certificates[1].certificate: ")
                && report.errors().get(2).contains("expired"), report.errors().get(2));
        assertEquals(1, report.warnings().size());
        assertTrue(report.warnings().get(0).startsWith("tls.sni[0].certificate: ")
                && report.warnings().get(0).contains("expires within 14 days"), report.warnings().get(0));
    }

    @Test
    void routeFilesTokenAndHostNames() throws Exception {
        issue("good", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(90)));
        ConfigCheck.Report report = check("""
                tls: {certificate: good.crt, key: good.key}
                pools:
                  main:
                    backends: ["no-such-host.invalid:143"]
                routes:
                  sources:
                    - {type: file, path: missing-routes.yaml}
                admin: {bind: "127.0.0.1:0", token_file: missing.token}
                """);
        String all = String.join("\n", report.errors());
        assertTrue(all.contains("missing-routes.yaml"), all);
        assertTrue(all.contains("admin.token_file: "), all);
        assertEquals(List.of("pools.main.backends: no-such-host.invalid does not resolve here"), report.warnings());
    }

    @Test
    void aCertificateStillToBeMadeIsAWarning() throws Exception {
        ConfigCheck.Report report = check("tls: {certificate: new.crt, key: new.key, self_signed_if_missing: true}\n");
        assertEquals(List.of(), report.errors());
        assertTrue(report.warnings().get(0).contains("self-signed one will be made"), report.warnings().toString());
    }
}
