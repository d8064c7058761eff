package dev.postern.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every password a test uses, so {@link LogGuardAppender} can prove none reaches a log line. DovecotServer
 * registers its users' passwords; tests that make up other secrets register them too.
 */
public final class TestSecrets {
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private TestSecrets() {
    }

    /** Registers a secret (ignored when shorter than 6 characters: too likely to occur by chance). */
    public static String register(String secret) {
        if (secret != null && secret.length() >= 6) {
            SECRETS.add(secret);
            SECRETS.add(java.util.Base64.getEncoder().encodeToString(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return secret;
    }

    static Set<String> all() {
        return SECRETS;
    }
}
