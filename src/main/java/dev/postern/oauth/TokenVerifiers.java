package dev.postern.oauth;

import dev.postern.config.OAuthConfig;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The verifier {@code auth.oauth} asks for, with two threads of its own (never an event loop's). */
public final class TokenVerifiers {
    private TokenVerifiers() {
    }

    /** Null when {@code config} is null (tokens pass through). */
    public static TokenVerifier from(OAuthConfig config) {
        if (config == null) {
            return null;
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "postern-oauth");
            t.setDaemon(true);
            return t;
        });
        TokenVerifier verifier = config.jwt() ? new JwtVerifier(config, executor)
                : new IntrospectionVerifier(config, executor);
        return new TokenVerifier() {
            @Override
            public java.util.concurrent.CompletableFuture<String> verify(byte[] token) {
                return verifier.verify(token);
            }

            @Override
            public void close() {
                verifier.close();
                executor.shutdownNow();
            }
        };
    }
}
