package dev.postern.oauth;

import java.util.concurrent.CompletableFuture;

/**
 * Says whom a bearer token belongs to. Never on an event loop's time: a verifier may fetch keys or ask an endpoint.
 */
public interface TokenVerifier extends AutoCloseable {

    /**
     * The user the token names. Fails with {@link TokenRefused} when the token is not good (a failed login), with
     * any other exception when the verifier could not tell (a temporary failure). The caller wipes {@code token}.
     */
    CompletableFuture<String> verify(byte[] token);

    @Override
    void close();

    /** A token that is not good: expired, wrongly signed, for another audience... The text names no token part. */
    final class TokenRefused extends Exception {
        public TokenRefused(String reason) {
            super(reason, null, false, false);
        }
    }
}
