package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.AuthHttpStub;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An authenticating auth_http service ({@code authenticates: true, send_password: true}), as nginx's mail proxy
 * uses one, in front of a real Dovecot: its OK is the verdict. With {@code Auth-User}/{@code Auth-Pass} the backend
 * gets those instead of what the client sent; without {@code Auth-Pass} the pool's master user logs in as the user.
 * The service hears {@code Auth-Method} (plain, login, xoauth2) and, for a bearer token, the token in
 * {@code Auth-Pass}.
 */
class AuthHttpAuthenticatesIT {
    private static final String ALIAS = "alias-user";
    private static final String REAL = "real-user";
    private static final String REAL_PASSWORD = "Real-backend-pass-6d";
    private static final String CLIENT_PASSWORD = TestSecrets.register("What-the-client-typed-2b");
    private static final String MASTERED = "mastered-user";
    private static final String TOKEN_USER = "token-user";
    private static final String TOKEN = TestSecrets.register("opaque-token-for-auth-http-81");
    private static final String MASTER_PASSWORD = TestSecrets.register("Auth-http-master-4f");

    private static DovecotServer dovecot;
    private static AuthHttpStub auth;
    private static PosternHarness postern;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        dovecot = DovecotServer.builder().user(REAL, TestSecrets.register(REAL_PASSWORD))
                .user(MASTERED, TestSecrets.register("mastered-own-pass-1")).user(TOKEN_USER,
                        TestSecrets.register("token-user-own-pass-2"))
                .masterUser("master", MASTER_PASSWORD).start();
        auth = AuthHttpStub.start()
                .routeAs(ALIAS, dovecot.host(), dovecot.port(), REAL, REAL_PASSWORD)
                .routeAs(MASTERED, dovecot.host(), dovecot.port(), null, null)
                .routeAs(TOKEN_USER, dovecot.host(), dovecot.port(), null, null)
                .refuse("refused-user", "Invalid login or password", 0);
        Files.writeString(tmp.resolve("master.pw"), MASTER_PASSWORD, StandardCharsets.UTF_8);
        postern = PosternHarness.startWithFullYaml(Files.createTempDirectory("postern-authhttp-"), """
                listeners:
                  - {name: plain, bind: "127.0.0.1:0", tls: none, sasl: [PLAIN, LOGIN, XOAUTH2]}
                pools:
                  main:
                    backends: ["%s:%d"]
                    master: {user: master, password_file: %s}
                routes:
                  sources: [{type: http, url: "%s", send_password: true, authenticates: true}]
                limits: {failure_delay: 0s}
                """.formatted(dovecot.host(), dovecot.port(), tmp.resolve("master.pw"), auth.url()));
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, auth, dovecot);
    }

    private static RawImapClient client() throws IOException {
        RawImapClient c = RawImapClient.plain("127.0.0.1", postern.port("plain"));
        c.readLine();
        return c;
    }

    @Test
    void theServicesUserAndPasswordReplaceWhatTheClientSent() throws IOException {
        try (RawImapClient c = client()) {
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + ALIAS + " " + CLIENT_PASSWORD))
                    .startsWith("l OK"));
        }
        Map<String, String> request = auth.requestsFor(ALIAS).get(0);
        assertEquals("plain", request.get("auth-method"));
        assertEquals(CLIENT_PASSWORD, java.net.URLDecoder.decode(request.get("auth-pass"), StandardCharsets.UTF_8));
    }

    @Test
    void withoutAuthPassThePoolsMasterLogsInAsTheUser() throws IOException {
        try (RawImapClient c = client()) {
            String ir = Base64.getEncoder().encodeToString(("\0" + MASTERED + "\0" + CLIENT_PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(RawImapClient.tagged(c.command("a", "AUTHENTICATE PLAIN " + ir)).startsWith("a OK"));
        }
        assertEquals("plain", auth.requestsFor(MASTERED).get(0).get("auth-method"));
    }

    @Test
    void aBearerTokenGoesToTheServiceAsAuthPassWithItsMechanism() throws IOException {
        try (RawImapClient c = client()) {
            String ir = Base64.getEncoder().encodeToString(("user=" + TOKEN_USER + "\u0001auth=Bearer " + TOKEN
                    + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
            assertTrue(RawImapClient.tagged(c.command("a", "AUTHENTICATE XOAUTH2 " + ir)).startsWith("a OK"));
        }
        Map<String, String> request = auth.requestsFor(TOKEN_USER).get(0);
        assertEquals("xoauth2", request.get("auth-method"));
        assertEquals(TOKEN, java.net.URLDecoder.decode(request.get("auth-pass"), StandardCharsets.UTF_8));
    }

    @Test
    void theServicesRefusalIsTheClientsNo() throws IOException {
        try (RawImapClient c = client()) {
            String answer = RawImapClient.tagged(c.command("l", "LOGIN refused-user " + CLIENT_PASSWORD));
            assertTrue(answer.startsWith("l NO"), answer);
        }
    }
}
