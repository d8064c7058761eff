package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.OpenSslClient;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.TestPki;
import dev.postern.testing.TlsCloseProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finding 8i: every TLS session Postern ends, it ends with close_notify before the TCP FIN, on both legs, whoever
 * ends first. The client leg is checked with Python's ssl module (OpenSSL reports a FIN without close_notify as
 * "unexpected eof") and with {@code openssl s_client}; the backend leg with Dovecot's own log, which names a
 * missing close_notify the same way.
 */
class CloseNotifyIT {
    private static final String USER = "closer";
    private static final String PASSWORD = "Close-notify-pass-4";
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static Path pki;
    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static PosternHarness tlsBackendPostern;

    @BeforeAll
    static void start() throws IOException {
        pki = Files.createTempDirectory("postern-close-notify-pki-");
        TestPki.Ca ca = TestPki.ca(pki, "ca", "Postern Close Notify CA");
        TestPki.Leaf leaf = ca.issue(pki, "backend", List.of("localhost", "127.0.0.1"));
        dovecot = DovecotServer.builder().user(USER, PASSWORD).capabilitySuffix("CLOSE")
                .tls(leaf.chainFile(), leaf.keyFile()).extraConfig("verbose_ssl = yes").start();
        postern = PosternHarness.start("", dovecot.host() + ":" + dovecot.port());
        tlsBackendPostern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"127.0.0.1:"
                + dovecot.tlsPort() + "\"]\n    health: {enabled: false}\n"
                + "    tls: {mode: implicit, ca: " + ca.certificateFile() + "}\n"
                + "routes:\n  default_pool: main\n");
    }

    @AfterAll
    static void stop() throws IOException {
        for (PosternHarness p : new PosternHarness[] {postern, tlsBackendPostern}) {
            if (p != null) {
                p.close();
            }
        }
        if (dovecot != null) {
            dovecot.close();
        }
        if (pki != null) {
            try (Stream<Path> files = Files.walk(pki)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static TlsCloseProbe.Outcome probe(PosternHarness p, ClientListener listener, boolean login,
                                               boolean clientEnds) {
        return TlsCloseProbe.run(listener.port(p), listener == ClientListener.STARTTLS, login ? USER : null,
                login ? PASSWORD : null, clientEnds);
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void logoutBeforeLoginEndsTlsWithCloseNotify(ClientListener listener) {
        TlsCloseProbe.Outcome outcome = probe(postern, listener, false, false);
        assertEquals("CLOSE_NOTIFY", outcome.ending(), outcome.output());
        assertTrue(outcome.output().contains("< * BYE"), outcome.output());
    }

    /** The backend ends first here: Dovecot answers LOGOUT and closes, and Postern ends the client's TLS. */
    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void logoutAfterLoginEndsTlsWithCloseNotify(ClientListener listener) {
        TlsCloseProbe.Outcome outcome = probe(postern, listener, true, false);
        assertEquals("CLOSE_NOTIFY", outcome.ending(), outcome.output());
        assertTrue(outcome.output().contains("< z OK"), outcome.output());
    }

    /** The same over a TLS backend leg: Dovecot's close_notify ends its leg, Postern's ends the client's. */
    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void logoutAfterLoginOverBackendTlsEndsTlsWithCloseNotify(ClientListener listener) {
        TlsCloseProbe.Outcome outcome = probe(tlsBackendPostern, listener, true, false);
        assertEquals("CLOSE_NOTIFY", outcome.ending(), outcome.output());
    }

    @Test
    void openSslSClientSeesNoUnexpectedEofAfterLogout() {
        OpenSslClient.Result result = OpenSslClient.run(postern.implicitTlsPort(),
                "a LOGIN " + USER + " " + PASSWORD + "\r\nz LOGOUT\r\n", OpenSslClient.DEFAULT_TIMEOUT, "-ign_eof");
        assertTrue(result.output().contains("z OK"), result.summary());
        assertFalse(result.output().toLowerCase(Locale.ROOT).contains("unexpected eof"), result.output());
    }

    /** The client ends first (close_notify, FIN): Postern ends the backend's TLS with close_notify too. */
    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void whenTheClientEndsFirstTheBackendGetsCloseNotify(ClientListener listener) throws IOException {
        int before = missingCloseNotify().size();
        int disconnectsBefore = dovecotLines("Disconnected").size();
        TlsCloseProbe.Outcome outcome = probe(tlsBackendPostern, listener, true, true);
        assertEquals("CLIENT_CLOSED", outcome.ending(), outcome.output());
        await().atMost(WAIT).untilAsserted(() -> assertTrue(dovecotLines("Disconnected").size() > disconnectsBefore,
                () -> "no disconnect line in Dovecot's log:\n" + dovecot.logTail()));
        List<String> missing = missingCloseNotify();
        assertEquals(before, missing.size(), () -> "Dovecot saw no close_notify: " + missing);
    }

    /**
     * Dovecot's lines for a TLS peer that closed without close_notify: with {@code verbose_ssl} its login process
     * logs "SSL error: Connection closed" (OpenSSL's unexpected eof); other versions name the "unexpected eof".
     */
    private static List<String> missingCloseNotify() {
        return Stream.concat(dovecotLines("SSL error: Connection closed").stream(),
                dovecotLines("unexpected eof").stream()).toList();
    }

    private static List<String> dovecotLines(String part) {
        try {
            return Files.readAllLines(dovecot.logFile(), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT))).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
