package dev.postern.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.postern.config.OAuthConfig;
import dev.postern.testing.IntrospectionStub;
import dev.postern.testing.TestSecrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both ways Postern verifies a token: a signed JWT against a key file, and RFC 7662 introspection. */
class TokenVerifiersTest {
    private static final String USER = "alice@postern.test";
    private final TestIssuer issuer = new TestIssuer();

    @TempDir
    Path dir;

    private TokenVerifier jwt() throws Exception {
        Path jwks = issuer.writeJwks(dir.resolve("jwks.json"));
        return TokenVerifiers.from(new OAuthConfig(jwks, null, TestIssuer.ISSUER, TestIssuer.AUDIENCE, null, null,
                null, null));
    }

    private static String verify(TokenVerifier verifier, String token) throws Exception {
        return verifier.verify(token.getBytes(StandardCharsets.US_ASCII)).get(10, TimeUnit.SECONDS);
    }

    private static TokenVerifier.TokenRefused refused(TokenVerifier verifier, String token) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> verify(verifier, token));
        TokenVerifier.TokenRefused refused = assertInstanceOf(TokenVerifier.TokenRefused.class, e.getCause());
        assertFalse(refused.getMessage().contains(token), "no token in the reason");
        return refused;
    }

    @Test
    void aGoodJwtNamesItsEmailClaim() throws Exception {
        try (TokenVerifier verifier = jwt()) {
            assertEquals(USER, verify(verifier, issuer.token(USER)));
        }
    }

    @Test
    void expiredWronglySignedForeignAudienceAndForeignIssuerTokensAreRefused() throws Exception {
        try (TokenVerifier verifier = jwt()) {
            refused(verifier, issuer.token(USER, TestIssuer.ISSUER, TestIssuer.AUDIENCE, Duration.ofMinutes(-5),
                    false));
            refused(verifier, issuer.token(USER, TestIssuer.ISSUER, TestIssuer.AUDIENCE, Duration.ofHours(1),
                    true));
            refused(verifier, issuer.token(USER, TestIssuer.ISSUER, "another-audience", Duration.ofHours(1),
                    false));
            refused(verifier, issuer.token(USER, "https://evil.example", TestIssuer.AUDIENCE, Duration.ofHours(1),
                    false));
            refused(verifier, TestSecrets.register("not-a-jwt-at-all"));
        }
    }

    @Test
    void anUnsignedTokenIsRefused() throws Exception {
        String good = issuer.token(USER);
        String header = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.US_ASCII));
        String unsigned = TestSecrets.register(header + good.substring(good.indexOf('.'), good.lastIndexOf('.') + 1));
        try (TokenVerifier verifier = jwt()) {
            refused(verifier, unsigned);
        }
    }

    @Test
    void rotatedKeysInTheFileAreReadWithoutARestart() throws Exception {
        try (TokenVerifier verifier = jwt()) {
            assertEquals(USER, verify(verifier, issuer.token(USER)));
            TestIssuer next = new TestIssuer();
            Path jwks = next.writeJwks(dir.resolve("jwks.json"));
            Files.setLastModifiedTime(jwks, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 5000));
            assertEquals(USER, verify(verifier, next.token(USER)));
            refused(verifier, issuer.token(USER));
        }
    }

    @Test
    void introspectionWithClientCredentialsNamesTheUsernameField() throws Exception {
        Path secret = dir.resolve("client.secret");
        Files.writeString(secret, TestSecrets.register("client-secret-5e1") + "\n", StandardCharsets.UTF_8);
        String good = TestSecrets.register("opaque-token-good-77");
        try (IntrospectionStub stub = IntrospectionStub.start("postern", "client-secret-5e1").grant(good, USER);
             TokenVerifier verifier = TokenVerifiers.from(new OAuthConfig(null, null, null, null, null,
                     URI.create(stub.url()), "postern", secret))) {
            assertEquals(USER, verify(verifier, good));
            refused(verifier, TestSecrets.register("opaque-token-unknown-78"));
        }
    }

    @Test
    void anIntrospectionEndpointThatRefusesUsIsATemporaryFailureNotARefusedToken() throws Exception {
        Path secret = dir.resolve("client.secret");
        Files.writeString(secret, "wrong-secret", StandardCharsets.UTF_8);
        try (IntrospectionStub stub = IntrospectionStub.start("postern", "client-secret-5e1");
             TokenVerifier verifier = TokenVerifiers.from(new OAuthConfig(null, null, null, null, null,
                     URI.create(stub.url()), "postern", secret))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> verify(verifier, TestSecrets.register("opaque-token-x-79")));
            assertFalse(e.getCause() instanceof TokenVerifier.TokenRefused, e.getCause().toString());
        }
    }
}
