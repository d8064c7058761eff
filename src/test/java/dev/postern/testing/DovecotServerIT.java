package dev.postern.testing;

import static dev.postern.testing.RawImapClient.tagged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test harness itself: a real Dovecot instance per builder, driven with {@link RawImapClient}. */
class DovecotServerIT {

    private static final String ALICE_PASSWORD = "secret-alice-1";
    /** Needs the base64 storage of the passwd file: ':' separates its fields. */
    private static final String BOB_PASSWORD = "p:w\"d\\x";

    private static DovecotServer dovecot;

    @BeforeAll
    static void startDovecot() {
        dovecot = DovecotServer.builder()
                .user("alice", ALICE_PASSWORD)
                .user("bob", BOB_PASSWORD)
                .user("erin", "erin-literal-pw")
                .capabilitySuffix("A")
                .start();
    }

    @AfterAll
    static void stopDovecot() {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void loginSucceedsAndThePostLoginCapabilityNamesTheBackend() throws IOException {
        try (RawImapClient client = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            assertTrue(client.readLine().startsWith("* OK"));
            assertTrue(tagged(client.command("a", "LOGIN alice " + ALICE_PASSWORD)).startsWith("a OK"),
                    dovecot::logTail);
            List<String> capability = client.command("b", "CAPABILITY");
            assertTrue(capability.stream().anyMatch(line -> line.startsWith("* CAPABILITY ")
                    && List.of(line.split(" ")).contains("XPOSTERNTESTA")), capability::toString);
            assertTrue(tagged(client.command("c", "SELECT INBOX")).startsWith("c OK"), dovecot::logTail);
            List<String> logout = client.command("d", "LOGOUT");
            assertTrue(logout.get(0).startsWith("* BYE"), logout::toString);
            assertTrue(client.isClosedByPeer());
        }
        assertTrue(Files.exists(dovecot.logFile()));
    }

    @Test
    void wrongPasswordIsRefused() throws IOException {
        try (RawImapClient client = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            client.readLine();
            String reply = tagged(client.command("a", "LOGIN alice wrong-password"));
            assertTrue(reply.startsWith("a NO "), reply);
            assertTrue(tagged(client.command("b", "LOGIN nobody " + ALICE_PASSWORD)).startsWith("b NO "));
        }
    }

    @Test
    void passwordWithColonQuoteAndBackslashLogsIn() throws IOException {
        try (RawImapClient client = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            client.readLine();
            String quoted = "\"" + BOB_PASSWORD.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            assertTrue(tagged(client.command("a", "LOGIN BOB " + quoted)).startsWith("a OK"), dovecot::logTail);
        }
    }

    @Test
    void literalsAreSentRawAndReadAsPartOfTheirResponse() throws IOException {
        String message = "Subject: literal\r\n\r\nline one\r\n{5}\r\n";
        try (RawImapClient client = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            client.readLine();
            assertTrue(tagged(client.command("a", "LOGIN erin erin-literal-pw")).startsWith("a OK"));
            client.send("b APPEND INBOX {" + message.length() + "}\r\n");
            assertTrue(client.readLine().startsWith("+ "));
            client.send(message + "\r\n");
            assertTrue(tagged(client.readUntilTagged("b")).startsWith("b OK"));
            assertTrue(tagged(client.command("c", "SELECT INBOX")).startsWith("c OK"));
            List<String> fetch = client.command("d", "FETCH 1 (BODY.PEEK[] FLAGS)");
            assertEquals(2, fetch.size(), fetch::toString);
            assertTrue(fetch.get(0).startsWith("* 1 FETCH ("), fetch::toString);
            assertTrue(fetch.get(0).contains("BODY[] {" + message.length() + "}\r\n" + message), fetch::toString);
            assertTrue(fetch.get(0).endsWith(")"), fetch::toString);
        }
    }

    @Test
    void twoInstancesRunSideBySide() throws IOException {
        try (DovecotServer second = DovecotServer.builder().user("alice", "other-password").capabilitySuffix("B")
                .start()) {
            assertNotEquals(dovecot.port(), second.port());
            assertEquals("XPOSTERNTESTB", second.capability());
            try (RawImapClient first = RawImapClient.plain(dovecot.host(), dovecot.port());
                    RawImapClient other = RawImapClient.plain(second.host(), second.port())) {
                first.readLine();
                other.readLine();
                assertTrue(tagged(other.command("a", "LOGIN alice " + ALICE_PASSWORD)).startsWith("a NO "));
                assertTrue(tagged(other.command("b", "LOGIN alice other-password")).startsWith("b OK"),
                        second::logTail);
                assertTrue(tagged(first.command("a", "LOGIN alice " + ALICE_PASSWORD)).startsWith("a OK"));
                assertTrue(String.join("\n", other.command("c", "CAPABILITY")).contains(" XPOSTERNTESTB"));
                assertFalse(String.join("\n", first.command("c", "CAPABILITY")).contains(" XPOSTERNTESTB"));
            }
        }
    }

    @Test
    void stopAndKillRefuseConnectionsRestartServesTheSamePortAndCloseDeletesTheDirectory() throws IOException {
        Path directory;
        try (DovecotServer server = DovecotServer.builder().user("carol", "carol-pw").start()) {
            directory = server.directory();
            RawImapClient loggedIn = RawImapClient.plain(server.host(), server.port());
            loggedIn.readLine();
            assertTrue(tagged(loggedIn.command("a", "LOGIN carol carol-pw")).startsWith("a OK"));

            server.stop();
            assertFalse(server.isRunning());
            assertThrows(ConnectException.class, () -> RawImapClient.plain(server.host(), server.port()));
            List<String> farewell = new ArrayList<>();
            assertThrows(EOFException.class, () -> {
                while (farewell.size() < 10) {
                    farewell.add(loggedIn.readLine());
                }
            }, "a logged-in session ends with its server");
            assertTrue(loggedIn.isClosedByPeer());
            loggedIn.close();

            server.restart();
            assertTrue(server.isRunning());
            try (RawImapClient again = RawImapClient.plain(server.host(), server.port())) {
                assertTrue(again.readLine().startsWith("* OK"));
                assertTrue(tagged(again.command("a", "LOGIN carol carol-pw")).startsWith("a OK"));

                server.kill();
                assertTrue(again.isClosedByPeer(), "a crash ends the session without a BYE");
                assertThrows(ConnectException.class, () -> RawImapClient.plain(server.host(), server.port()));
            }
            server.restart();
            try (RawImapClient third = RawImapClient.plain(server.host(), server.port())) {
                assertTrue(third.readLine().startsWith("* OK"));
            }
        }
        assertFalse(Files.exists(directory));
    }

    @Test
    void tlsServesImplicitTlsAndStartTls(@TempDir Path certs) throws Exception {
        Path cert = certs.resolve("cert.pem");
        Path key = certs.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).redirectOutput(certs.resolve("openssl.out").toFile()).start();
        assertTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl req failed");

        try (DovecotServer server = DovecotServer.builder().user("dave", "dave-pw").capabilitySuffix("TLS")
                .tls(cert, key).start()) {
            try (RawImapClient implicit = RawImapClient.tls(server.host(), server.tlsPort(), "localhost")) {
                assertTrue(implicit.readLine().startsWith("* OK"));
                assertTrue(implicit.sslSession().getProtocol().startsWith("TLSv1."));
                assertTrue(tagged(implicit.command("a", "LOGIN dave dave-pw")).startsWith("a OK"),
                        server::logTail);
            }
            try (RawImapClient upgraded = RawImapClient.plain(server.host(), server.port())) {
                String greeting = upgraded.readLine();
                assertTrue(greeting.contains("STARTTLS"), greeting);
                assertTrue(tagged(upgraded.command("a", "STARTTLS")).startsWith("a OK"));
                upgraded.startTls();
                assertTrue(upgraded.isTls());
                assertTrue(tagged(upgraded.command("b", "LOGIN dave dave-pw")).startsWith("b OK"),
                        server::logTail);
            }
        }
    }
}
