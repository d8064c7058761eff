package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Base64;
import java.util.Set;

/**
 * SASL PLAIN decoding under arbitrary input. Without {@code JAZZER_FUZZ} this runs the seeds in
 * {@code SaslPlainFuzzTestInputs/} as regression cases; {@code mvn -Pfuzz verify} fuzzes it.
 */
class SaslPlainFuzzTest {
    /** Every message {@link SaslPlain.InvalidResponse} may carry: fixed texts, so no payload byte reaches a log. */
    private static final Set<String> MESSAGES = Set.of("Invalid base64 data",
            "Invalid PLAIN message (expected: authzid NUL authcid NUL password)", "Empty authentication identity",
            "Authorization identity must be empty or the login name");

    /**
     * The input both as the client's base64 text (mostly malformed) and as the decoded message (base64-encoded
     * here, so the PLAIN structure itself is explored): a result or the documented refusal, nothing else.
     */
    @FuzzTest
    void decodeGivesCredentialsOrAFixedRefusal(byte[] input) {
        decodeChecked(input);
        decodeChecked(Base64.getEncoder().encode(input));
    }

    private static void decodeChecked(byte[] base64) {
        Credentials c;
        try {
            c = SaslPlain.decode(base64);
        } catch (SaslPlain.InvalidResponse refused) {
            assertTrue(MESSAGES.contains(refused.getMessage()), "unexpected refusal text");
            return;
        }
        byte[] user = c.user();
        assertTrue(user.length > 0, "empty authcid accepted");
        assertFalse(contains(user, (byte) 0), "NUL in the user name");
        assertFalse(contains(c.password(), (byte) 0), "NUL in the password");
        // What we send a backend decodes to what the client sent.
        try {
            Credentials again = SaslPlain.decode(SaslPlain.encode(c));
            assertArrayEquals(user, again.user());
            assertArrayEquals(c.password(), again.password());
        } catch (SaslPlain.InvalidResponse e) {
            throw new AssertionError("re-encoded credentials refused: " + e.getMessage());
        }
    }

    private static boolean contains(byte[] bytes, byte b) {
        for (byte x : bytes) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }
}
