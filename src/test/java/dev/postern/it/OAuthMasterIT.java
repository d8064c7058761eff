package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.TlsConfig;
import dev.postern.oauth.TestIssuer;
import dev.postern.testing.ClientProcess;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.ImaplibOAuth;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.SelfSignedCertificates;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OAuth in front of password-only servers: Postern verifies signed JWTs ({@code auth.oauth} with a JWKS file of
 * test keys) and logs the user the token names in on a real Dovecot that knows no OAuth, through the pool's master
 * user: {@code style: authzid} (AUTHENTICATE PLAIN as the user) on one Dovecot, {@code style: separator}
 * ({@code user*master}) on another. Real clients: Python's imaplib (XOAUTH2, OAUTHBEARER) and Jakarta Mail
 * (XOAUTH2). Bad tokens get the RFC 7628 continuation, then {@code NO [AUTHENTICATIONFAILED]} after the failure
 * delay. The tokens and the master password are registered with the suite's log guard.
 */
class OAuthMasterIT {
    private static final String ALICE = "alice@postern.test";
    private static final String BOB = "sep-bob@postern.test";
    private static final String MASTER = "proxy-master";
    private static final String MASTER_PASSWORD = TestSecrets.register("Master-pass-0c7e");
    private static final Duration FAILURE_DELAY = Duration.ofSeconds(1);

    private static final TestIssuer ISSUER = new TestIssuer();
    private static DovecotServer authzid;
    private static DovecotServer separator;
    private static PosternHarness postern;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        authzid = DovecotServer.builder().user(ALICE, TestSecrets.register("alice-own-password-31"))
                .masterUser(MASTER, MASTER_PASSWORD).start();
        separator = DovecotServer.builder().user(BOB, TestSecrets.register("bob-own-password-32"))
                .masterUser(MASTER, MASTER_PASSWORD).start();
        seed(authzid, ALICE, "alice-own-password-31", 1);
        seed(separator, BOB, "bob-own-password-32", 2);

        Path dir = Files.createTempDirectory("postern-oauth-master-");
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", dir.resolve("test.crt"),
                "key", dir.resolve("test.key"), "self_signed_if_missing", true)));
        ISSUER.writeJwks(dir.resolve("jwks.json"));
        Files.writeString(dir.resolve("master.pw"), MASTER_PASSWORD + "\n", StandardCharsets.UTF_8);
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit, sasl: [XOAUTH2, OAUTHBEARER]}
                tls: {certificate: test.crt, key: test.key}
                auth:
                  oauth: {jwks_file: jwks.json, issuer: "%s", audience: "%s", user_claim: email}
                pools:
                  authzid:
                    backends: ["%s:%d"]
                    master: {user: %s, password_file: master.pw, style: authzid}
                  separator:
                    backends: ["%s:%d"]
                    master: {user: %s, password_file: master.pw, style: separator, separator: "*"}
                routes:
                  default_pool: authzid
                  sources: [{type: rules, rules: [{match: "^sep-.*$", to: separator}]}]
                # every refusal waits exactly the failure delay (no doubling), so the test can time it
                limits: {failure_delay: 1s, penalty: {max_delay: 1s, max_user_delay: 1s}}
                """.formatted(TestIssuer.ISSUER, TestIssuer.AUDIENCE, authzid.host(), authzid.port(), MASTER,
                separator.host(), separator.port(), MASTER));
    }

    /** Puts {@code count} messages in the user's INBOX straight at Dovecot, so a login shows whose mailbox it is. */
    private static void seed(DovecotServer dovecot, String user, String password, int count) throws IOException {
        try (RawImapClient c = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            c.readLine();
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + user + " " + password)).startsWith("l OK"));
            for (int i = 0; i < count; i++) {
                byte[] m = ("Subject: seed " + i + "\r\n\r\nfor " + user + "\r\n").getBytes(StandardCharsets.UTF_8);
                c.send("a APPEND INBOX {" + m.length + "+}\r\n");
                c.sendBytes(m);
                c.send("\r\n");
                assertTrue(RawImapClient.tagged(c.readUntilTagged("a")).startsWith("a OK"));
            }
        }
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, authzid, separator);
    }

    private static ClientProcess.Result python(String mechanism, String user, String token) throws Exception {
        ClientProcess.Result result = ImaplibOAuth.login(tmp, postern.port("imaps"), mechanism, user, token);
        assertTrue(result.keeps(MASTER_PASSWORD), "the client printed the master password");
        return result;
    }

    @ParameterizedTest
    @ValueSource(strings = {"XOAUTH2", "OAUTHBEARER"})
    void aVerifiedTokenOpensItsUsersMailboxThroughTheMasterActingAsTheUser(String mechanism) throws Exception {
        ClientProcess.Result result = python(mechanism, ALICE, ISSUER.token(ALICE));
        assertEquals("OK 1", result.stdout().strip(), result::describe);
    }

    @Test
    void anOauthbearerThatNamesNoUserLogsInTheTokensUser() throws Exception {
        ClientProcess.Result result = python("OAUTHBEARER", "", ISSUER.token(ALICE));
        assertEquals("OK 1", result.stdout().strip(), result::describe);
    }

    @Test
    void theSeparatorStyleLogsInAsUserStarMaster() throws Exception {
        ClientProcess.Result result = python("XOAUTH2", BOB, ISSUER.token(BOB));
        assertEquals("OK 2", result.stdout().strip(), result::describe);
    }

    @Test
    void jakartaMailLogsInWithXoauth2() throws Exception {
        Properties props = new Properties();
        props.setProperty("mail.imaps.host", "127.0.0.1");
        props.setProperty("mail.imaps.port", Integer.toString(postern.port("imaps")));
        props.setProperty("mail.imaps.ssl.trust", "*");
        props.setProperty("mail.imaps.ssl.checkserveridentity", "false");
        props.setProperty("mail.imaps.auth.mechanisms", "XOAUTH2");
        props.setProperty("mail.imaps.timeout", "20000");
        props.setProperty("mail.debug.auth", "false");
        Store store = Session.getInstance(props).getStore("imaps");
        store.connect(ALICE, ISSUER.token(ALICE));
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(1, inbox.getMessageCount());
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    /** Expired, stranger-signed, foreign-audience and foreign-issuer tokens; and a token for someone else. */
    @Test
    void badTokensGetTheContinuationThenAuthenticationFailedAfterTheFailureDelay() throws Exception {
        Duration hour = Duration.ofHours(1);
        // the delays do not grow here (penalty capped at the failure delay): each refusal takes about a second
        List<String> bad = List.of(
                ISSUER.token(ALICE, TestIssuer.ISSUER, TestIssuer.AUDIENCE, Duration.ofMinutes(-5), false),
                ISSUER.token(ALICE, TestIssuer.ISSUER, TestIssuer.AUDIENCE, hour, true),
                ISSUER.token(ALICE, TestIssuer.ISSUER, "mail.other.test", hour, false),
                ISSUER.token(ALICE, "https://evil.example", TestIssuer.AUDIENCE, hour, false),
                ISSUER.token(BOB));
        for (String token : bad) {
            try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.port("imaps"))) {
                c.readLine();
                String ir = Base64.getEncoder().encodeToString(("n,a=" + ALICE + ",\u0001auth=Bearer " + token
                        + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
                long start = System.nanoTime();
                c.send("a AUTHENTICATE OAUTHBEARER " + ir + "\r\n");
                String continuation = c.readLine();
                assertTrue(continuation.startsWith("+ ") && new String(Base64.getDecoder().decode(
                        continuation.substring(2)), StandardCharsets.UTF_8).contains("invalid_token"), continuation);
                c.send("AQ==\r\n");
                String no = RawImapClient.tagged(c.readUntilTagged("a"));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(no.startsWith("a NO [AUTHENTICATIONFAILED]"), no);
                assertTrue(took.compareTo(FAILURE_DELAY.minusMillis(50)) >= 0, "answered after " + took);
                assertTrue(took.compareTo(FAILURE_DELAY.multipliedBy(5)) < 0, "answered after " + took);
            }
        }
    }
}
