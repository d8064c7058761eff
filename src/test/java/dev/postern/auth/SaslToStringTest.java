package dev.postern.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.postern.testing.TestSecrets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Finding 8m: no SASL step or exchange shows the password, before, during or after the exchange. */
class SaslToStringTest {
    private static final String PASSWORD = TestSecrets.register("Sasl-Secret-35");

    private static byte[] b64(String s) {
        return Base64.getEncoder().encode(s.getBytes(UTF_8));
    }

    @Test
    void plainStepsAndExchangeHideThePassword() {
        SaslExchange exchange = new PlainMechanism().newExchange();
        SaslStep step = exchange.start(b64("\0alice\0" + PASSWORD));
        assertInstanceOf(SaslStep.Authenticated.class, step);
        assertHidden(step.toString(), exchange.toString());
    }

    @Test
    void loginStepsAndExchangeHideThePassword() {
        SaslExchange exchange = new LoginMechanism().newExchange();
        SaslStep first = exchange.start(b64("alice"));
        SaslStep done = exchange.next(b64(PASSWORD));
        assertInstanceOf(SaslStep.Authenticated.class, done);
        assertHidden(first.toString(), done.toString(), exchange.toString());
    }

    private static void assertHidden(String... texts) {
        String encoded = Base64.getEncoder().encodeToString(PASSWORD.getBytes(UTF_8));
        for (String text : texts) {
            assertFalse(text.contains(PASSWORD) || text.contains(encoded), text);
        }
    }
}
