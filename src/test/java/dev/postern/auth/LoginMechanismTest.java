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

/** SASL LOGIN: {@code Username:} and {@code Password:} prompts, SASL-IR as the user name, {@code *} at any step. */
class LoginMechanismTest {
    private static final String USERNAME = "VXNlcm5hbWU6";
    private static final String PASSWORD_PROMPT = "UGFzc3dvcmQ6";
    private static final String PASSWORD = TestSecrets.register("Login-m3ch-Secret");
    private final SaslMechanism login = new LoginMechanism();

    @Test
    void isNamedLoginAndOfferedOnlyOnceLoginIsAllowed() {
        assertEquals("LOGIN", login.name());
        assertTrue(login.offered(true));
        assertFalse(login.offered(false));
    }

    @Test
    void thePromptsAreTheBase64ThatClientsExpect() {
        assertEquals(USERNAME, LoginMechanism.USERNAME_PROMPT);
        assertEquals(PASSWORD_PROMPT, LoginMechanism.PASSWORD_PROMPT);
    }

    @Test
    void withoutAnInitialResponseItAsksForTheUserThenThePassword() {
        SaslExchange exchange = login.newExchange();
        assertChallenge(USERNAME, exchange.start(null));
        assertChallenge(PASSWORD_PROMPT, exchange.next(b64("alice@example.org")));
        assertCredentials("alice@example.org", PASSWORD, exchange.next(b64(PASSWORD)));
    }

    @Test
    void anInitialResponseIsTheUserName() {
        SaslExchange exchange = login.newExchange();
        assertChallenge(PASSWORD_PROMPT, exchange.start(b64("alice")));
        assertCredentials("alice", PASSWORD, exchange.next(b64(PASSWORD)));
    }

    @Test
    void aStarCancelsAtEitherPrompt() {
        SaslExchange atUser = login.newExchange();
        atUser.start(null);
        assertCancelled(atUser.next(ascii("*")));
        SaslExchange atPassword = login.newExchange();
        atPassword.start(b64("alice"));
        assertCancelled(atPassword.next(ascii("*")));
        assertFailed("Authentication exchange already finished", atPassword.next(b64(PASSWORD)));
    }

    @Test
    void badBase64IsRefusedAtEveryStep() {
        assertFailed("Invalid base64 data", login.newExchange().start(ascii("!!!!")));
        SaslExchange atUser = login.newExchange();
        atUser.start(null);
        assertFailed("Invalid base64 data", atUser.next(ascii("not base64")));
        SaslExchange atPassword = login.newExchange();
        atPassword.start(b64("alice"));
        assertFailed("Invalid base64 data", atPassword.next(ascii("%%%%")));
    }

    @Test
    void anEmptyUserNameIsRefusedAndAnEmptyPasswordPassesOn() {
        // "=" is SASL-IR's empty initial response (RFC 4959); an empty line is an empty response.
        assertFailed("Empty authentication identity", login.newExchange().start(ascii("=")));
        SaslExchange exchange = login.newExchange();
        exchange.start(null);
        assertFailed("Empty authentication identity", exchange.next(new byte[0]));
        // Whether an empty password is acceptable is the backend's call, as with PLAIN.
        SaslExchange emptyPassword = login.newExchange();
        emptyPassword.start(b64("alice"));
        assertCredentials("alice", "", emptyPassword.next(new byte[0]));
    }

    /** The mechanism sets no length bound of its own: the framer's line limit bounds each response. */
    @Test
    void longValuesUpToTheLineLimitArriveIntact() {
        String user = "u".repeat(2000) + "@example.org";
        String password = "p".repeat(4096);
        SaslExchange exchange = login.newExchange();
        exchange.start(b64(user));
        assertCredentials(user, password, exchange.next(b64(password)));
    }

    @Test
    void exchangesAreIndependent() {
        SaslExchange first = login.newExchange();
        SaslExchange second = login.newExchange();
        first.start(b64("alice"));
        assertChallenge(USERNAME, second.start(null));
        assertCredentials("alice", PASSWORD, first.next(b64(PASSWORD)));
        assertChallenge(PASSWORD_PROMPT, second.next(b64("bob")));
    }
}
