package dev.postern.it;

import static dev.postern.testing.RawImapClient.tagged;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestMessages;
import dev.postern.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * TLS from Postern to its backends, per pool, against a real Dovecot whose certificate comes from a CA made at
 * test time: implicit TLS and STARTTLS verified against that CA; a wrong name, an unknown CA, the default trust
 * store and a wrong pin refused with {@code NO [UNAVAILABLE]} and one log line saying why; the right pin and the
 * insecure opt-out accepted; a STARTTLS pool whose backend offers no STARTTLS refused; plaintext after a backend's
 * STARTTLS OK refused; legacy protocol and cipher settings for one pool; health checks over implicit TLS; a 1 MiB
 * literal both ways over backend TLS. Dovecot logs the protocol and cipher of each login ({@code %k}), which proves
 * what the backend leg really negotiated.
 */
class BackendTlsIT {
    private static final String USER = "tlsuser";
    private static final String PASSWORD = "Backend-tls-pass-7f3a";
    /** Dovecot's login lines with the TLS protocol and cipher (%k) before the session id. */
    private static final String LOG_FORMAT = "login_log_format_elements = user=<%u> method=%m rip=%r lip=%l mpid=%e %c "
            + "%k session=<%{session}>";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Pattern FETCH_LITERAL = Pattern.compile("^\\* \\d+ FETCH \\(.*BODY\\[] \\{(\\d+)}$");

    private static Path pki;
    private static TestPki.Ca ca;
    private static TestPki.Ca otherCa;
    private static TestPki.Leaf leaf;
    private static DovecotServer tlsDovecot;
    private static DovecotServer plainDovecot;
    private static DovecotServer legacyDovecot;
    private static final LogCapture LOGS = new LogCapture();

    private PosternHarness postern;

    @BeforeAll
    static void startBackends() throws IOException {
        pki = Files.createTempDirectory("postern-backend-pki-");
        ca = TestPki.ca(pki, "ca", "Postern Backend Test CA");
        otherCa = TestPki.ca(pki, "other-ca", "Some Other CA");
        leaf = ca.issue(pki, "backend", List.of("localhost", "127.0.0.1"));
        tlsDovecot = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("BTLS")
                .tls(leaf.chainFile(), leaf.keyFile()).extraConfig(LOG_FORMAT).start();
        plainDovecot = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("BPLAIN").start();
        // An old server: TLS 1.0 and CBC suites allowed (OpenSSL needs security level 0 for TLS 1.0).
        legacyDovecot = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("BLEGACY")
                .tls(leaf.chainFile(), leaf.keyFile()).extraConfig(LOG_FORMAT)
                .extraConfig("ssl_min_protocol = TLSv1\nssl_cipher_list = ALL:@SECLEVEL=0").start();
        LOGS.attach();
    }

    @AfterAll
    static void stopBackends() throws IOException {
        LOGS.detach();
        for (DovecotServer d : new DovecotServer[] {tlsDovecot, plainDovecot, legacyDovecot}) {
            if (d != null) {
                d.close();
            }
        }
        if (pki != null) {
            try (Stream<Path> files = Files.walk(pki)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void clearLogs() {
        LOGS.clear();
    }

    @AfterEach
    void stopPostern() {
        if (postern != null) {
            postern.close();
            postern = null;
        }
    }

    // ---- verified ------------------------------------------------------------------------------------------------

    @Test
    void implicitTlsToABackendVerifiedByTheConfiguredCaLogsIn() throws Exception {
        int logLines = dovecotLoginLines(tlsDovecot).size();
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit, ca: " + ca.certificateFile() + "}");
        assertLoginWorks("BTLS");
        String login = awaitNewLogin(tlsDovecot, logLines);
        assertTrue(login.contains(", TLS, TLSv1.3 with cipher"), login);
    }

    @Test
    void startTlsToABackendVerifiedByTheConfiguredCaLogsIn() throws Exception {
        int logLines = dovecotLoginLines(tlsDovecot).size();
        postern = start("localhost:" + tlsDovecot.port(), "{mode: starttls, ca: " + ca.certificateFile() + "}");
        assertLoginWorks("BTLS");
        String login = awaitNewLogin(tlsDovecot, logLines);
        assertTrue(login.contains(", TLS, TLSv1.3 with cipher"), login);
    }

    @Test
    void theRightPinIsAcceptedWithoutACa() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(),
                "{mode: implicit, pin_sha256: [\"" + "00".repeat(32) + "\", \"" + leaf.sha256() + "\"]}");
        assertLoginWorks("BTLS");
    }

    @Test
    void insecureAcceptsAnUnknownCaAndWarnsAtStart() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit, insecure: true}");
        assertTrue(LOGS.any(e -> e.getLevel().toString().equals("WARN")
                && e.getFormattedMessage().contains("pools.main.tls.insecure is true")
                && e.getFormattedMessage().contains("NOT verified")), LOGS.dump());
        assertLoginWorks("BTLS");
    }

    // ---- refused -------------------------------------------------------------------------------------------------

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(),
                "{mode: implicit, ca: " + ca.certificateFile() + ", server_name: wrong.example}");
        assertUnavailable("TLS to 127.0.0.1:" + tlsDovecot.tlsPort() + " (as wrong.example) failed: "
                + "certificate name mismatch");
    }

    @Test
    void aCertificateFromAnUnknownCaIsRefused() throws Exception {
        postern = start("localhost:" + tlsDovecot.port(), "{mode: starttls, ca: " + otherCa.certificateFile() + "}");
        assertUnavailable("TLS to localhost:" + tlsDovecot.port() + " failed: unknown CA");
    }

    @Test
    void theDefaultTrustStoreDoesNotTrustATestCa() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit}");
        assertUnavailable("TLS to 127.0.0.1:" + tlsDovecot.tlsPort() + " failed: unknown CA");
    }

    @Test
    void aWrongPinIsRefused() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit, pin_sha256: [\"" + "ab".repeat(32) + "\"]}");
        assertUnavailable("failed: pin mismatch: the backend's certificate (" + leaf.certificate()
                .getSubjectX500Principal().getName() + ", SHA-256 " + leaf.sha256() + ") is not in pin_sha256");
    }

    @Test
    void aStartTlsPoolRefusesABackendWithoutStartTls() throws Exception {
        int logLines = dovecotLoginLines(plainDovecot).size();
        postern = start("127.0.0.1:" + plainDovecot.port(), "{mode: starttls, insecure: true}");
        assertUnavailable("backend 127.0.0.1:" + plainDovecot.port() + " does not offer STARTTLS (pool main has "
                + "tls.mode: starttls)");
        assertEquals(logLines, dovecotLoginLines(plainDovecot).size(), "no login may reach a backend in plaintext");
    }

    @Test
    void plaintextAfterABackendsStartTlsOkIsRefused() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Thread backend = new Thread(() -> injectAfterStartTls(fake), "fake-starttls-backend");
            backend.setDaemon(true);
            backend.start();
            postern = start("127.0.0.1:" + fake.getLocalPort(), "{mode: starttls, insecure: true}");
            assertUnavailable("127.0.0.1:" + fake.getLocalPort() + " sent 49 bytes after its STARTTLS OK, before the "
                    + "TLS handshake");
            backend.join(WAIT.toMillis());
        }
    }

    // ---- legacy backends -----------------------------------------------------------------------------------------

    @Test
    void aLegacyPoolMayUseTls10WithACbcSuite() throws Exception {
        int logLines = dovecotLoginLines(legacyDovecot).size();
        postern = start("127.0.0.1:" + legacyDovecot.tlsPort(), "{mode: implicit, ca: " + ca.certificateFile()
                + ", protocols: [TLSv1], ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]}");
        assertLoginWorks("BLEGACY");
        String login = awaitNewLogin(legacyDovecot, logLines);
        assertTrue(login.contains("TLSv1 with cipher ECDHE-ECDSA-AES128-SHA"), login);
    }

    @Test
    void theDefaultProtocolsRefuseABackendThatOnlySpeaksOldTls() throws Exception {
        // The pool allows only TLS 1.1 while the backend wants 1.2 at least: no common protocol.
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit, ca: " + ca.certificateFile()
                + ", protocols: [TLSv1.1], ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]}");
        assertUnavailable("TLS to 127.0.0.1:" + tlsDovecot.tlsPort() + " failed: ");
    }

    // ---- relay and health ----------------------------------------------------------------------------------------

    @Test
    void aMebibyteLiteralRoundTripsOverBackendTls() throws Exception {
        postern = start("127.0.0.1:" + tlsDovecot.tlsPort(), "{mode: implicit, ca: " + ca.certificateFile() + "}");
        byte[] message = TestMessages.crlf(1024 * 1024, 42, "backend TLS relay");
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort())) {
            c.readLine();
            assertTrue(tagged(c.command("a", "LOGIN " + USER + " " + PASSWORD)).startsWith("a OK"));
            c.send("b APPEND INBOX {" + message.length + "}\r\n");
            String cont = c.readLine();
            assertTrue(cont.startsWith("+"), cont);
            c.sendBytes(message);
            c.send("\r\n");
            assertTrue(tagged(c.readUntilTagged("b")).startsWith("b OK"));
            List<String> select = c.command("c", "SELECT INBOX");
            assertTrue(tagged(select).startsWith("c OK"), select.toString());
            c.send("d FETCH * BODY.PEEK[]\r\n");
            byte[] fetched = null;
            while (fetched == null) {
                String line = c.readLine();
                Matcher m = FETCH_LITERAL.matcher(line);
                if (m.matches()) {
                    fetched = c.readBytes(Integer.parseInt(m.group(1)));
                } else if (line.startsWith("d ")) {
                    fail("no FETCH literal before " + line);
                }
            }
            assertTrue(tagged(c.readUntilTagged("d")).startsWith("d OK"));
            assertArrayEquals(message, fetched);
            c.command("e", "LOGOUT");
        }
    }

    @Test
    void healthChecksSpeakImplicitTls() throws Exception {
        String backend = "127.0.0.1:" + tlsDovecot.tlsPort();
        long before = dovecotLines(tlsDovecot, "no auth attempts", ", TLS").size();
        postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"" + backend + "\"]\n"
                + "    health: {interval: 100ms, timeout: 2s, fall: 1, rise: 1}\n"
                + "    tls: {mode: implicit, ca: " + ca.certificateFile() + "}\n"
                + "routes:\n  default_pool: main\n");
        awaitLogged(() -> dovecotLines(tlsDovecot, "no auth attempts", ", TLS").size() >= before + 3,
                "three health checks over TLS in Dovecot's log");
        double up = postern.registry().get("postern.backend.up").tag("backend", backend).gauge().value();
        assertEquals(1.0, up, "a backend passing TLS health checks is up");
        assertTrue(LOGS.none(e -> e.getFormattedMessage().contains("is DOWN")), LOGS.dump());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static PosternHarness start(String backend, String tlsYaml) {
        return PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"" + backend + "\"]\n"
                + "    health: {enabled: false}\n"
                + "    tls: " + tlsYaml + "\n"
                + "routes:\n  default_pool: main\n");
    }

    // ---- route targets spelled another way, and targets no pool lists (issue 8 finding c) -----------------------

    /** A pool backend named localhost with implicit TLS, and static routes naming it another way. */
    private static PosternHarness startWithAliases(int port, String tlsYaml, String extraRoutes) {
        return PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"localhost:" + port + "\"]\n"
                + "    health: {enabled: false}\n"
                + "    tls: " + tlsYaml + "\n"
                + "routes:\n  static: {ip@example.org: \"127.0.0.1:" + port + "\", dot@example.org: \"LOCALHOST.:"
                + port + "\"}\n" + extraRoutes);
    }

    @Test
    void aRouteNamingAPoolBackendByAnotherSpellingNeverSendsThePasswordInCleartext() throws Exception {
        try (PlaintextRecorder fake = new PlaintextRecorder()) {
            postern = startWithAliases(fake.port(), "{mode: implicit, ca: " + ca.certificateFile() + "}", "");
            for (String user : List.of("ip@example.org", "dot@example.org")) {
                for (boolean startTls : List.of(false, true)) {
                    try (RawImapClient c = startTls ? startTlsClient() : implicitTlsClient()) {
                        String no = tagged(c.command("a", "LOGIN " + user + " " + PASSWORD));
                        assertTrue(no.startsWith("a NO [UNAVAILABLE]"), user + ": " + no);
                    }
                }
            }
            assertTrue(fake.connections() >= 4, "Postern did not try the backend: " + fake.connections());
            assertTrue(!fake.received().contains(PASSWORD), "the password reached the backend in cleartext");
            assertTrue(!fake.received().contains("LOGIN") && !fake.received().contains("AUTHENTICATE"),
                    "a login command reached the backend in cleartext");
        }
    }

    @Test
    void aRouteNamingAPoolBackendByItsAddressGetsThePoolsTlsAndLogsIn() throws Exception {
        int logLines = dovecotLoginLines(tlsDovecot).size();
        postern = startWithAliases(tlsDovecot.tlsPort(), "{mode: implicit, ca: " + ca.certificateFile() + "}", "");
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort())) {
            c.readLine();
            // Dovecot's passdb knows tlsuser only; the backend's NO proves the login went there over TLS.
            String no = tagged(c.command("a", "LOGIN ip@example.org " + PASSWORD));
            assertTrue(no.startsWith("a NO [AUTHENTICATIONFAILED]"), no + "\n" + LOGS.dump());
        }
        awaitLogged(() -> dovecotLines(tlsDovecot, "ip@example.org").stream()
                .anyMatch(l -> l.contains("TLS")), "Dovecot's line for the TLS login attempt");
        assertEquals(logLines, dovecotLoginLines(tlsDovecot).size());
    }

    @Test
    void unlistedTargetsMayBeRefused() throws Exception {
        try (PlaintextRecorder fake = new PlaintextRecorder()) {
            postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"127.0.0.1:" + tlsDovecot.tlsPort()
                    + "\"]\n    health: {enabled: false}\n"
                    + "routes:\n  static: {" + USER + ": \"127.0.0.1:" + fake.port() + "\"}\n  unlisted_targets: refuse\n");
            assertUnavailable("127.0.0.1:" + fake.port() + " is in no pool and routes.unlisted_targets is refuse");
            assertEquals(0, fake.connections(), "a refused target was connected to");
        }
    }

    @Test
    void unlistedTargetsMayBeMadeToSpeakVerifiedTls() throws Exception {
        postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"127.0.0.1:" + plainDovecot.port()
                + "\"]\n    health: {enabled: false}\n"
                + "routes:\n  static: {" + USER + ": \"localhost:" + tlsDovecot.tlsPort() + "\"}\n"
                + "  unlisted_targets: {tls: implicit, ca: " + ca.certificateFile() + "}\n");
        assertLoginWorks("BTLS");
    }

    @Test
    void unlistedTargetsWithTlsRefuseAPlaintextBackend() throws Exception {
        try (PlaintextRecorder fake = new PlaintextRecorder()) {
            postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"127.0.0.1:" + plainDovecot.port()
                    + "\"]\n    health: {enabled: false}\n"
                    + "routes:\n  static: {" + USER + ": \"127.0.0.1:" + fake.port() + "\"}\n"
                    + "  unlisted_targets: {tls: starttls, ca: " + ca.certificateFile() + "}\n");
            assertUnavailable("does not offer STARTTLS");
            assertTrue(!fake.received().contains(PASSWORD), "the password reached the backend in cleartext");
        }
    }

    private RawImapClient implicitTlsClient() throws IOException {
        RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort());
        c.readLine();
        return c;
    }

    private RawImapClient startTlsClient() throws IOException {
        RawImapClient c = RawImapClient.plain("127.0.0.1", postern.startTlsPort());
        c.readLine();
        assertTrue(tagged(c.command("s", "STARTTLS")).startsWith("s OK"));
        c.startTls();
        return c;
    }

    /** A plaintext IMAP server that greets at once and records every byte it receives, for every connection. */
    private static final class PlaintextRecorder implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread acceptor = new Thread(this::serve, "plaintext-recorder");

        PlaintextRecorder() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    s.setSoTimeout((int) WAIT.toMillis());
                    // No AUTH=PLAIN: a plaintext login would be LOGIN with the password as it is.
                    s.getOutputStream().write("* OK [CAPABILITY IMAP4rev1] plain ready\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    InputStream in = s.getInputStream();
                    StringBuilder line = new StringBuilder();
                    for (int b = in.read(); b != -1; b = in.read()) {
                        synchronized (bytes) {
                            bytes.write(b);
                        }
                        line.append((char) b);
                        if (b == '\n') {
                            String tag = line.toString().split(" ", 2)[0].strip();
                            s.getOutputStream().write((tag + " NO [AUTHENTICATIONFAILED] recorded\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            line.setLength(0);
                        }
                    }
                } catch (IOException e) {
                    // Postern hung up, or the test closed the server
                }
            }
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        String received() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.ISO_8859_1);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private void assertLoginWorks(String capabilitySuffix) throws IOException {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort())) {
            c.readLine();
            String ok = tagged(c.command("a", "LOGIN " + USER + " " + PASSWORD));
            assertTrue(ok.startsWith("a OK [CAPABILITY "), ok + "\n" + LOGS.dump());
            assertTrue(ok.contains(DovecotServer.CAPABILITY_PREFIX + capabilitySuffix), ok);
            assertTrue(tagged(c.command("b", "SELECT INBOX")).startsWith("b OK"));
            assertTrue(tagged(c.command("c", "LOGOUT")).startsWith("c OK"));
        }
    }

    /** The client gets NO [UNAVAILABLE]; one WARN line of Postern's says why, with {@code why} in it, no stack trace. */
    private void assertUnavailable(String why) throws IOException {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort())) {
            c.readLine();
            String no = tagged(c.command("a", "LOGIN " + USER + " " + PASSWORD));
            assertTrue(no.startsWith("a NO [UNAVAILABLE]"), no);
        }
        awaitLogged(() -> LOGS.any(e -> e.getFormattedMessage().contains("login for " + USER)
                && e.getFormattedMessage().contains(why)), "a log line containing: " + why);
        List<ILoggingEvent> lines = LOGS.matching(e -> e.getFormattedMessage().contains(why));
        assertEquals(1, lines.size(), LOGS.dump());
        assertEquals(null, lines.get(0).getThrowableProxy(), "no stack trace");
    }

    private static List<String> dovecotLoginLines(DovecotServer dovecot) {
        return dovecotLines(dovecot, "Login: user=<" + USER + ">");
    }

    private static List<String> dovecotLines(DovecotServer dovecot, String... parts) {
        try {
            return Files.readAllLines(dovecot.logFile(), StandardCharsets.UTF_8).stream()
                    .filter(l -> Stream.of(parts).allMatch(l::contains)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String awaitNewLogin(DovecotServer dovecot, int before) {
        awaitLogged(() -> dovecotLoginLines(dovecot).size() > before, "a new login line in Dovecot's log");
        List<String> lines = dovecotLoginLines(dovecot);
        return lines.get(lines.size() - 1);
    }

    /** Awaits {@code condition}; on timeout the failure names {@code what} and holds the captured log. */
    private static void awaitLogged(java.util.concurrent.Callable<Boolean> condition, String what) {
        await().atMost(WAIT).untilAsserted(() -> assertTrue(condition.call(),
                () -> "timed out waiting for " + what + "\n" + LOGS.dump()));
    }

    /**
     * A backend that answers STARTTLS with OK and, in the same packet, a plaintext line: a man in the middle
     * injecting a response before the handshake.
     */
    private static void injectAfterStartTls(ServerSocket server) {
        try (Socket s = server.accept()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake ready\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            if (line.toString().strip().equals("P0 STARTTLS")) {
                // 49 bytes of plaintext after the OK
                out.write(("P0 OK Begin TLS now\r\n" + "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            s.setSoTimeout((int) WAIT.toMillis());
            while (in.read() != -1) {
                // wait for Postern to close
            }
        } catch (IOException ignored) {
            // the test asserts what Postern did
        }
    }

    /** Postern's log events during one test. */
    private static final class LogCapture extends AppenderBase<ILoggingEvent> {
        private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

        void attach() {
            setContext((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
            start();
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(this);
        }

        void detach() {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(this);
            stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLoggerName().startsWith("dev.postern")) {
                events.add(event);
            }
        }

        void clear() {
            events.clear();
        }

        boolean any(java.util.function.Predicate<ILoggingEvent> p) {
            return events.stream().anyMatch(p);
        }

        boolean none(java.util.function.Predicate<ILoggingEvent> p) {
            return events.stream().noneMatch(p);
        }

        List<ILoggingEvent> matching(java.util.function.Predicate<ILoggingEvent> p) {
            return events.stream().filter(p).toList();
        }

        String dump() {
            StringBuilder out = new StringBuilder("Postern log:\n");
            events.forEach(e -> out.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n'));
            return out.toString();
        }
    }
}
