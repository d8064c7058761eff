package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The session log through a real Dovecot: a TLS session that logs in, reads and logs out gets one line with its
 * TLS, user, backend, timings, bytes each way and how it ended; a session that only said hello gets one too; a
 * password never appears.
 */
class SessionLogIT {
    private static final String USER = "log-user";
    private static final String PASSWORD = TestSecrets.register("Session-log-pass-9e3");

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();
    private static final Logger SESSION_LOG = (Logger) LoggerFactory.getLogger("postern.session");

    @BeforeAll
    static void start() {
        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
        postern = PosternHarness.start("", dovecot.host() + ":" + dovecot.port());
        LINES.start();
        SESSION_LOG.addAppender(LINES);
    }

    @AfterAll
    static void stop() {
        SESSION_LOG.detachAppender(LINES);
        if (postern != null) {
            postern.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    private static String lineOf(String text) {
        await().atMost(Duration.ofSeconds(5)).until(() -> lines().stream().anyMatch(l -> l.contains(text)));
        return lines().stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }

    private static List<String> lines() {
        synchronized (LINES) {
            return LINES.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void aRelayedTlsSessionGetsItsWholeLine() throws IOException {
        try (RawImapClient c = RawImapClient.tlsFrom("127.0.0.41", "127.0.0.1", postern.implicitTlsPort(), null)) {
            c.readLine();
            assertTrue(RawImapClient.tagged(c.command("a", "LOGIN " + USER + " " + PASSWORD)).startsWith("a OK"));
            assertTrue(RawImapClient.tagged(c.command("b", "SELECT INBOX")).startsWith("b OK"));
            assertTrue(RawImapClient.tagged(c.command("c", "LOGOUT")).startsWith("c OK"));
        }
        String line = lineOf("client=127.0.0.41:");
        assertTrue(line.matches("session end session=\\w{12} listener=imaps client=127\\.0\\.0\\.41:\\d+ user=" + USER
                + " backend=127\\.0\\.0\\.1:\\d+ tls=TLSv1\\.3 cipher=TLS_\\w+ handshake_ms=\\d+ login_ms=\\d+ "
                + "duration_ms=\\d+ bytes_in=[1-9]\\d* bytes_out=[1-9]\\d* end=\"(backend|client) closed\""), line);
        assertFalse(line.contains(PASSWORD));
    }

    @Test
    void aSessionThatNeverLoggedInGetsALineToo() throws IOException {
        try (RawImapClient c = RawImapClient.plainFrom("127.0.0.42", "127.0.0.1", postern.startTlsPort())) {
            c.readLine();
            c.command("a", "LOGOUT");
        }
        String line = lineOf("client=127.0.0.42:");
        assertTrue(line.contains(" listener=imap ") && line.endsWith("bytes_in=0 bytes_out=0 end=logout"), line);
        assertFalse(line.contains("user="), line);
    }
}
