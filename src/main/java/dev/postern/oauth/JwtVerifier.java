package dev.postern.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.postern.config.OAuthConfig;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Signed JWTs (RFC 7519; access tokens of RFC 9068 too): the signature against the configured key set (a file,
 * re-read when it changes, or a URL, cached and refreshed ahead of expiry by Nimbus), an asymmetric algorithm only
 * (never {@code none} or an HMAC with a public key), then {@code exp} (and {@code nbf}) with a minute of clock
 * skew, {@code iss} equal to the issuer, {@code aud} holding the audience, and the user claim present.
 */
final class JwtVerifier implements TokenVerifier {
    private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String userClaim;
    private final ExecutorService executor;
    private final JWKSource<SecurityContext> keys;

    JwtVerifier(OAuthConfig config, ExecutorService executor) {
        this.executor = executor;
        this.userClaim = config.userClaimOrDefault();
        this.keys = config.jwksFile() != null ? new FileJwkSource(config.jwksFile()) : remote(config);
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ASYMMETRIC, keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", userClaim)));
    }

    private static JWKSource<SecurityContext> remote(OAuthConfig config) {
        try {
            return JWKSourceBuilder.create(config.jwksUrl().toURL()).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("auth.oauth.jwks_url: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<String> verify(byte[] token) {
        String text = new String(token, StandardCharsets.US_ASCII);
        CompletableFuture<String> user = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                user.complete(check(text));
            } catch (TokenRefused | JOSEException | RuntimeException e) {
                user.completeExceptionally(e);
            }
        });
        return user;
    }

    private String check(String token) throws TokenRefused, JOSEException {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new TokenRefused("not a JWT");
        } catch (BadJWTException e) {
            // Nimbus's claim checks: "Expired JWT", "JWT audience rejected", "JWT iss claim has value ..."
            throw new TokenRefused(e.getMessage());
        } catch (BadJOSEException e) {
            throw new TokenRefused("signature or algorithm not accepted: " + e.getMessage());
        }
        if (!(claims.getClaim(userClaim) instanceof String name) || name.isBlank()) {
            throw new TokenRefused("the claim " + userClaim + " is not a user name");
        }
        return name;
    }

    @Override
    public void close() {
        if (keys instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // closing on shutdown: nothing more to do
            }
        }
    }
}
