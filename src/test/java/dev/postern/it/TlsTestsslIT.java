package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Audits the client-facing TLS of an in-JVM Postern (OpenSSL provider, an ECDSA and an RSA certificate from a test
 * CA) with testssl.sh (Debian package {@code testssl.sh}), on the implicit-TLS listener and on the STARTTLS
 * listener ({@code --starttls imap}), and fails on any finding rated HIGH or CRITICAL. No backend is needed:
 * testssl only does TLS. The summary of both runs goes to {@code target/testssl-summary.txt}.
 *
 * <p>Checks run: protocols ({@code -p}), cipher categories ({@code -s}), forward secrecy ({@code -f}), server
 * defaults and certificates ({@code -S}), server preference ({@code -P}), vulnerabilities ({@code -U}) and each
 * cipher ({@code -e}). Client simulation ({@code -c}) is left out: its clients are browsers offering ALPN
 * {@code h2}/{@code http/1.1}, which Postern refuses by design (the ALPACA mitigation), so it says nothing about mail
 * clients and only lengthens the run.
 *
 * <p>Named {@code TlsTestsslIT}, not {@code TestsslIT}: Surefire's default includes take every {@code Test*} class,
 * so that name would run this audit twice, once as a unit test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsTestsslIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);
    private static final List<String> CHECKS = List.of("-p", "-s", "-f", "-S", "-P", "-U", "-e");
    private static final Pattern OBJECT = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final List<String> PROTOCOLS = List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3");

    /**
     * The only HIGH/CRITICAL finding tolerated, and only because the certificate is a test one: a certificate from
     * a test CA carries no CRL distribution point and no OCSP responder URL, since nothing could answer there.
     * A certificate from a public CA carries them; the finding is about the certificate, not Postern's TLS.
     */
    private static final Set<String> TEST_CERTIFICATE_FINDINGS = Set.of("cert_revocation");

    private static PosternHarness postern;
    private static Path dir;
    private static TestCertificates.Authority ca;
    private static final Map<String, String> SUMMARIES = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("postern-testssl-");
        ca = TestCertificates.authority(dir, "ca", "Postern testssl CA");
        List<String> names = List.of("localhost", "127.0.0.1");
        ca.issue(dir, "ecdsa", KeyType.ECDSA_P256, "localhost", names, Duration.ofDays(365));
        ca.issue(dir, "rsa", KeyType.RSA_2048, "localhost", names, Duration.ofDays(365));
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
                  - {name: imap, bind: "127.0.0.1:0", tls: starttls}
                tls:
                  provider: openssl
                  certificate: ecdsa.crt
                  key: ecdsa.key
                  certificates: [{certificate: rsa.crt, key: rsa.key}]
                """);
    }

    @AfterAll
    static void stop() throws IOException {
        if (postern != null) {
            postern.close();
        }
        if (!SUMMARIES.isEmpty()) {
            Path out = Path.of("target", "testssl-summary.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, String.join("\n", SUMMARIES.values()), StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(1)
    void implicitTlsListenerHasNoHighOrCriticalFinding() throws Exception {
        audit("implicit TLS (imaps)", List.of(), postern.port("imaps"));
    }

    @Test
    @Order(2)
    void startTlsListenerHasNoHighOrCriticalFinding() throws Exception {
        audit("STARTTLS (imap, --starttls imap)", List.of("--starttls", "imap"), postern.port("imap"));
    }

    private static void audit(String what, List<String> mode, int port) throws Exception {
        String testssl = findTestssl();
        Path json = dir.resolve("testssl-" + port + ".json");
        Path log = dir.resolve("testssl-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(testssl, "--jsonfile", json.toString(), "--quiet", "--color", "0",
                "--warnings", "batch", "--ip", "one", "--connect-timeout", "10", "--openssl-timeout", "10",
                "--add-ca", ca.certificateFile().toString()));
        command.addAll(mode);
        command.addAll(CHECKS);
        command.add("127.0.0.1:" + port);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!process.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("testssl did not finish within " + RUN_TIMEOUT + " on " + what + "; output ends with:\n" + tail(log));
        }
        if (!Files.exists(json)) {
            fail("testssl wrote no JSON (exit " + process.exitValue() + ") on " + what + "; output ends with:\n" + tail(log));
        }
        List<Map<String, String>> findings = parse(Files.readString(json, StandardCharsets.UTF_8));
        assertTrue(findings.stream().anyMatch(f -> "scanTime".equals(f.get("id"))),
                "testssl did not complete its run on " + what + " (no scanTime); output ends with:\n" + tail(log));

        List<String> serious = new ArrayList<>();
        List<String> tolerated = new ArrayList<>();
        for (Map<String, String> f : findings) {
            String severity = f.getOrDefault("severity", "");
            if (!severity.equals("HIGH") && !severity.equals("CRITICAL") && !severity.equals("FATAL")) {
                continue;
            }
            String line = severity + " " + f.get("id") + ": " + f.get("finding");
            if (TEST_CERTIFICATE_FINDINGS.contains(baseId(f.get("id")))) {
                tolerated.add(line);
            } else {
                serious.add(line);
            }
        }
        SUMMARIES.put(what, summary(what, command, findings, tolerated));
        System.out.println(SUMMARIES.get(what));
        if (!serious.isEmpty()) {
            fail("testssl rated " + serious.size() + " finding(s) HIGH or CRITICAL on " + what + ":\n  "
                    + String.join("\n  ", serious));
        }
    }

    /** "cert_revocation <cert#1>" → "cert_revocation". */
    private static String baseId(String id) {
        int space = id == null ? -1 : id.indexOf(' ');
        return space < 0 ? id : id.substring(0, space);
    }

    private static String summary(String what, List<String> command, List<Map<String, String>> findings,
                                  List<String> tolerated) {
        StringBuilder s = new StringBuilder();
        s.append("testssl.sh on Postern, ").append(what).append('\n');
        s.append("  checks: ").append(String.join(" ", CHECKS)).append(command.contains("--starttls") ? " --starttls imap" : "")
                .append(" (test CA added with --add-ca)\n");
        Map<String, Long> bySeverity = new TreeMap<>(findings.stream()
                .collect(Collectors.groupingBy(f -> f.getOrDefault("severity", "?"), Collectors.counting())));
        s.append("  findings by severity: ").append(bySeverity).append('\n');
        s.append("  protocols:");
        for (String p : PROTOCOLS) {
            findings.stream().filter(f -> p.equals(f.get("id"))).findFirst()
                    .ifPresent(f -> s.append(' ').append(p).append("=").append(f.get("finding")).append(';'));
        }
        s.append('\n');
        s.append("  ciphers offered:\n");
        findings.stream().filter(f -> f.getOrDefault("id", "").startsWith("cipher_x"))
                .forEach(f -> s.append("    ").append(f.get("finding").replaceAll("\\s+", " ")).append('\n'));
        findings.stream().filter(f -> f.getOrDefault("id", "").startsWith("cipherorder_")
                        || List.of("cipher_order", "PFS_ECDHE_curves", "sessionresumption_ticket", "sessionresumption_ID",
                        "cert_numbers").contains(f.get("id")))
                .forEach(f -> s.append("  ").append(f.get("id")).append(": ").append(f.get("finding")).append('\n'));
        List<String> notable = findings.stream()
                .filter(f -> Set.of("LOW", "MEDIUM", "WARN").contains(f.getOrDefault("severity", "")))
                .map(f -> f.get("severity") + " " + f.get("id") + ": " + f.get("finding")).toList();
        s.append("  LOW/MEDIUM/WARN: ").append(notable.isEmpty() ? "none" : "").append('\n');
        notable.forEach(n -> s.append("    ").append(n).append('\n'));
        s.append("  HIGH/CRITICAL tolerated (test certificate only): ").append(tolerated.isEmpty() ? "none" : "")
                .append('\n');
        tolerated.forEach(t -> s.append("    ").append(t).append('\n'));
        findings.stream().filter(f -> "scanTime".equals(f.get("id")))
                .forEach(f -> s.append("  scan time: ").append(f.get("finding")).append(" s\n"));
        return s.toString();
    }

    /** testssl's JSON file: a flat array of objects whose values are all strings. */
    static List<Map<String, String>> parse(String json) {
        List<Map<String, String>> out = new ArrayList<>();
        Matcher object = OBJECT.matcher(json);
        while (object.find()) {
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher field = FIELD.matcher(object.group(1));
            while (field.find()) {
                fields.put(field.group(1), field.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
            }
            out.add(fields);
        }
        return out;
    }

    private static String findTestssl() {
        for (String name : List.of("testssl", "testssl.sh")) {
            for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
                Path candidate = Path.of(entry, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return fail("testssl.sh is not installed (neither 'testssl' nor 'testssl.sh' on the PATH): "
                + "run .ci/install-test-deps.sh (Debian package testssl.sh)");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
