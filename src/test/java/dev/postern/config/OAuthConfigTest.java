package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth.oauth} and {@code pools.<name>.master}. */
class OAuthConfigTest {
    @TempDir
    Path dir;

    private PosternConfig load(String yaml) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, "listeners:\n  - {name: plain, bind: \"127.0.0.1:0\", tls: none}\n" + yaml,
                StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    @Test
    void absentMeansPassThroughAndNoMaster() throws Exception {
        PosternConfig config = load("pools: {main: {backends: [\"127.0.0.1:143\"]}}\n");
        assertNull(config.oauth());
        assertNull(config.pools().get("main").master());
    }

    @Test
    void aJwtSetupWithItsDefaults() throws Exception {
        OAuthConfig oauth = load("auth: {oauth: {jwks_file: keys.json, issuer: https://id.example, "
                + "audience: imap}}\n").oauth();
        assertTrue(oauth.jwt());
        assertEquals(dir.resolve("keys.json"), oauth.jwksFile());
        assertEquals("email", oauth.userClaimOrDefault());
    }

    @Test
    void anIntrospectionSetupReadsTheUsernameField() throws Exception {
        OAuthConfig oauth = load("auth: {oauth: {introspection_url: \"https://id.example/introspect\", "
                + "client_id: postern, client_secret_file: secret}}\n").oauth();
        assertEquals("username", oauth.userClaimOrDefault());
    }

    @Test
    void mistakesAreNamed() {
        for (String[] c : new String[][] {
            {"auth: {oauth: {issuer: x, audience: y}}", "exactly one of"},
            {"auth: {oauth: {jwks_file: k, jwks_url: \"https://x/k\", issuer: x, audience: y}}", "exactly one of"},
            {"auth: {oauth: {jwks_file: k, audience: y}}", "issuer"},
            {"auth: {oauth: {jwks_url: \"ftp://x/k\", issuer: x, audience: y}}", "http:// or https://"},
            {"auth: {oauth: {introspection_url: \"https://x/i\"}}", "client_id"},
            {"auth: {oidc: {}}", "unknown key"},
            {"routes: {sources: [{type: http, url: \"http://127.0.0.1:1/a\", authenticates: true}]}",
                    "send_password"},
            {"pools: {main: {backends: [\"127.0.0.1:143\"], master: {user: m}}}", "password_file"},
            {"pools: {main: {backends: [\"127.0.0.1:143\"], master: {user: m, password_file: p, style: x}}}",
                    "style"},
        }) {
            ConfigException e = assertThrows(ConfigException.class, () -> load(c[0] + "\n"), c[0]);
            assertTrue(e.problems().toString().contains(c[1]), c[0] + " -> " + e.problems());
        }
    }

    @Test
    void aMasterWithItsStyle() throws Exception {
        MasterConfig master = load("pools: {main: {backends: [\"127.0.0.1:143\"], master: {user: proxy, "
                + "password_file: master.pw, style: separator, separator: \"%\"}}}\n").pools().get("main").master();
        assertEquals(new MasterConfig("proxy", dir.resolve("master.pw"), MasterConfig.Style.SEPARATOR, "%"), master);
    }
}
