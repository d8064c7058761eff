package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.TlsConfig;
import dev.postern.testing.ClientProcess;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.ImaplibOAuth;
import dev.postern.testing.IntrospectionStub;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.SelfSignedCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OAuth 2.0 pass-through: with no {@code auth.oauth}, a client's XOAUTH2 or OAUTHBEARER token goes unchanged to a
 * real Dovecot whose {@code oauth2} passdb asks an introspection endpoint the test serves. Real clients: Python's
 * imaplib ({@code authenticate('XOAUTH2' | 'OAUTHBEARER', ...)}) and curl ({@code --oauth2-bearer}) over implicit
 * TLS. A token the endpoint does not know is refused with the RFC 7628 error continuation, then
 * {@code NO [AUTHENTICATIONFAILED]}.
 */
class OAuthPassThroughIT {
    private static final String USER = "oauth-user";
    private static final String GOOD = "good-pass-through-token-4f1";
    private static final String BAD = TestSecrets.register("unknown-pass-through-token-9a2");
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(40);

    private static IntrospectionStub introspection;
    private static DovecotServer dovecot;
    private static PosternHarness postern;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        introspection = IntrospectionStub.start().grant(GOOD, USER);
        Path oauthConf = tmp.resolve("dovecot-oauth2.conf.ext");
        Files.writeString(oauthConf, """
                introspection_mode = post
                introspection_url = %s
                username_attribute = username
                active_attribute = active
                active_value = true
                """.formatted(introspection.url()), StandardCharsets.UTF_8);
        oauthConf.toFile().setReadable(true, false);
        tmp.toFile().setExecutable(true, false);
        dovecot = DovecotServer.builder().user(USER, TestSecrets.register("oauth-user-password-1e"))
                .extraConfig("""
                        auth_mechanisms = plain login xoauth2 oauthbearer
                        passdb {
                          driver = oauth2
                          mechanisms = xoauth2 oauthbearer
                          args = %s
                        }
                        """.formatted(oauthConf)).start();
        Path dir = Files.createTempDirectory("postern-oauth-");
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", dir.resolve("test.crt"),
                "key", dir.resolve("test.key"), "self_signed_if_missing", true)));
        postern = PosternHarness.startWithFullYaml(dir, """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:0", tls: implicit, sasl: [XOAUTH2, OAUTHBEARER, PLAIN]}
                tls: {certificate: test.crt, key: test.key, self_signed_if_missing: true}
                pools: {main: {backends: ["%s:%d"]}}
                routes: {default_pool: main}
                limits: {failure_delay: 1s}
                """.formatted(dovecot.host(), dovecot.port()));
    }

    @AfterAll
    static void stop() {
        Quietly.closeAll(postern, dovecot, introspection);
    }

    private static ClientProcess.Result python(String mechanism, String token) throws Exception {
        return ImaplibOAuth.login(tmp, postern.port("imaps"), mechanism, USER, token);
    }

    @ParameterizedTest
    @ValueSource(strings = {"XOAUTH2", "OAUTHBEARER"})
    void imaplibLogsInWithAGoodTokenThatTheBackendChecks(String mechanism) throws Exception {
        int before = introspection.requests();
        ClientProcess.Result result = python(mechanism, GOOD);
        assertEquals("OK 0", result.stdout().strip(), result::describe);
        assertTrue(introspection.requests() > before, "Dovecot asked the introspection endpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {"XOAUTH2", "OAUTHBEARER"})
    void anUnknownTokenGetsTheErrorContinuationThenAuthenticationFailed(String mechanism) throws Exception {
        ClientProcess.Result result = python(mechanism, BAD);
        String out = result.stdout().strip();
        assertTrue(out.startsWith("REFUSED") && out.contains("AUTHENTICATIONFAILED"), result::describe);
        assertTrue(out.contains("invalid_token"), "the RFC 7628 error JSON reached the client: " + out);
    }

    @Test
    void curlLogsInWithItsOauth2BearerOption() throws Exception {
        Path config = tmp.resolve("curl-oauth.conf");
        // the token goes in a config file, not on the command line
        Files.writeString(config, "oauth2-bearer = \"" + GOOD + "\"\nuser = \"" + USER + ":\"\n",
                StandardCharsets.UTF_8);
        ClientProcess.Result result = ClientProcess.run(tmp, List.of("curl", "-sS", "-k", "--config",
                config.toString(), "imaps://127.0.0.1:" + postern.port("imaps") + "/INBOX?NEW"), Map.of(),
                PROCESS_TIMEOUT);
        assertEquals(0, result.exit(), result::describe);
        assertTrue(result.keeps(GOOD), "curl printed the token");
    }

    @Test
    void anOauthbearerWithoutAUserCannotBeRoutedWithoutVerification() throws IOException {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.port("imaps"))) {
            c.readLine();
            String ir = Base64.getEncoder().encodeToString(("n,,\u0001auth=Bearer " + GOOD + "\u0001\u0001")
                    .getBytes(StandardCharsets.UTF_8));
            c.send("a AUTHENTICATE OAUTHBEARER " + ir + "\r\n");
            String line = c.readLine();
            assertTrue(line.startsWith("+ "), line);
            c.send("AQ==\r\n");
            String no = RawImapClient.tagged(c.readUntilTagged("a"));
            assertTrue(no.startsWith("a NO [AUTHENTICATIONFAILED]"), no);
        }
    }
}
