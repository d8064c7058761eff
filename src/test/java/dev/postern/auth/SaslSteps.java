package dev.postern.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.postern.imap.Credentials;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Assertions on SASL steps shared by the mechanism tests. */
final class SaslSteps {
    private SaslSteps() {
    }

    static byte[] b64(String text) {
        return Base64.getEncoder().encode(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static void assertChallenge(String base64, SaslStep step) {
        assertEquals(new SaslStep.Challenge(base64), step);
    }

    static void assertFailed(String text, SaslStep step) {
        assertEquals(new SaslStep.Failed(text), step);
    }

    /** The client cancelled with {@code *}: not a failed login. */
    static void assertCancelled(SaslStep step) {
        assertEquals(new SaslStep.Cancelled(), step);
    }

    /** The step gave exactly this user and password. */
    static void assertCredentials(String user, String password, SaslStep step) {
        Credentials c = assertInstanceOf(SaslStep.Authenticated.class, step).credentials();
        assertEquals(List.of(user, password),
                List.of(c.userName(), new String(c.password(), StandardCharsets.UTF_8)));
    }
}
