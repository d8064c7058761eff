package dev.postern.auth;

import static dev.postern.auth.SaslSteps.ascii;
import static dev.postern.auth.SaslSteps.assertCancelled;
import static dev.postern.auth.SaslSteps.assertChallenge;
import static dev.postern.auth.SaslSteps.assertCredentials;
import static dev.postern.auth.SaslSteps.assertFailed;
import static dev.postern.auth.SaslSteps.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestSecrets;
import org.junit.jupiter.api.Test;

/** SASL PLAIN (RFC 4616) on the mechanism interface; the message codec itself is covered by SaslPlainTest. */
class PlainMechanismTest {
    private static final String PASSWORD = TestSecrets.register("Plain-m3ch-Secret");
    private final SaslMechanism plain = new PlainMechanism();

    @Test
    void isNamedPlainAndOfferedOnlyOnceLoginIsAllowed() {
        assertEquals("PLAIN", plain.name());
        assertTrue(plain.offered(true));
        assertFalse(plain.offered(false));
    }

    @Test
    void anInitialResponseCompletesTheExchangeAtOnce() {
        assertCredentials("alice", PASSWORD, plain.newExchange().start(b64("\0alice\0" + PASSWORD)));
        assertCredentials("alice", PASSWORD, plain.newExchange().start(b64("alice\0alice\0" + PASSWORD)));
    }

    @Test
    void withoutAnInitialResponseAnEmptyChallengeAsksForIt() {
        SaslExchange exchange = plain.newExchange();
        assertChallenge("", exchange.start(null));
        assertCredentials("alice", PASSWORD, exchange.next(b64("\0alice\0" + PASSWORD)));
    }

    @Test
    void aStarCancels() {
        SaslExchange exchange = plain.newExchange();
        assertChallenge("", exchange.start(null));
        assertCancelled(exchange.next(ascii("*")));
        assertFailed("Authentication exchange already finished", exchange.next(b64("\0alice\0" + PASSWORD)));
    }

    @Test
    void badBase64IsRefusedWithoutEchoingIt() {
        assertFailed("Invalid base64 data", plain.newExchange().start(ascii("!!!!")));
        SaslExchange exchange = plain.newExchange();
        exchange.start(null);
        assertFailed("Invalid base64 data", exchange.next(ascii("not base64")));
    }

    @Test
    void emptyResponsesAreNotAPlainMessage() {
        String expected = "Invalid PLAIN message (expected: authzid NUL authcid NUL password)";
        // "=" is SASL-IR's empty initial response (RFC 4959).
        assertFailed(expected, plain.newExchange().start(ascii("=")));
        SaslExchange exchange = plain.newExchange();
        exchange.start(null);
        assertFailed(expected, exchange.next(new byte[0]));
        assertFailed("Empty authentication identity", plain.newExchange().start(b64("\0\0" + PASSWORD)));
    }

    @Test
    void anotherAuthorizationIdentityIsRefused() {
        assertFailed("Authorization identity must be empty or the login name",
                plain.newExchange().start(b64("admin\0alice\0" + PASSWORD)));
    }

    /** The mechanism sets no length bound of its own: the framer's line limit bounds what reaches it. */
    @Test
    void longValuesUpToTheLineLimitArriveIntact() {
        String user = "u".repeat(2000) + "@example.org";
        String password = "p".repeat(4096);
        assertCredentials(user, password, plain.newExchange().start(b64("\0" + user + "\0" + password)));
    }
}
