package dev.postern.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * An OAuth issuer for tests: an EC P-256 signing key, its public JWKS written to a file, and tokens signed with it
 * (or with a stranger's key) for any issuer, audience, user and lifetime. Every token is registered with
 * {@link TestSecrets}, so the suite's log guard fails a run that logs one.
 */
public final class TestIssuer {
    public static final String ISSUER = "https://issuer.postern.test";
    public static final String AUDIENCE = "imap.postern.test";
    private final ECKey key;
    private final ECKey stranger;

    public TestIssuer() {
        try {
            key = new ECKeyGenerator(Curve.P_256).keyID("postern-test-1").generate();
            stranger = new ECKeyGenerator(Curve.P_256).keyID("postern-test-1").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the public key set (only the real key) to {@code file}. */
    public Path writeJwks(Path file) throws IOException {
        Files.writeString(file, new JWKSet(key.toPublicJWK()).toString(), StandardCharsets.UTF_8);
        return file;
    }

    /** A good token for {@code email}: this issuer, this audience, an hour to live. */
    public String token(String email) {
        return token(email, ISSUER, AUDIENCE, Duration.ofHours(1), false);
    }

    /** A token with every part chosen; {@code strangersKey} signs it with a key the JWKS does not hold. */
    public String token(String email, String issuer, String audience, Duration lifetime, boolean strangersKey) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("sub-" + email)
                .claim("email", email).issueTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plus(lifetime))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                claims);
        try {
            jwt.sign(new ECDSASigner(strangersKey ? stranger : key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return TestSecrets.register(jwt.serialize());
    }
}
