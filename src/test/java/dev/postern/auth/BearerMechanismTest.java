package dev.postern.auth;

import static dev.postern.auth.SaslSteps.ascii;
import static dev.postern.auth.SaslSteps.assertCancelled;
import static dev.postern.auth.SaslSteps.assertChallenge;
import static dev.postern.auth.SaslSteps.assertCredentials;
import static dev.postern.auth.SaslSteps.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.imap.Credentials.Kind;
import dev.postern.testing.TestSecrets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** XOAUTH2 and OAUTHBEARER on the mechanism interface; the messages themselves are SaslBearerTest's. */
class BearerMechanismTest {
    private static final String TOKEN = TestSecrets.register("eyJ-bearer-mech-token");
    private final SaslMechanism xoauth2 = new BearerMechanism(Kind.XOAUTH2);
    private final SaslMechanism oauthbearer = new BearerMechanism(Kind.OAUTHBEARER);

    @Test
    void namedForTheirMechanismAndOfferedOnlyOnceLoginIsAllowed() {
        assertEquals("XOAUTH2", xoauth2.name());
        assertEquals("OAUTHBEARER", oauthbearer.name());
        assertTrue(oauthbearer.offered(true));
        assertFalse(oauthbearer.offered(false), "a token is a secret in the clear too");
    }

    @Test
    void anInitialResponseCompletesTheExchangeWithTheTokenAsTheSecret() {
        SaslStep step = xoauth2.newExchange().start(b64("user=alice\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
        assertCredentials("alice", TOKEN, step);
        assertEquals(Kind.XOAUTH2, ((SaslStep.Authenticated) step).credentials().kind());
    }

    @Test
    void withoutAnInitialResponseAnEmptyChallengeAsksForIt() {
        SaslExchange exchange = oauthbearer.newExchange();
        assertChallenge("", exchange.start(null));
        SaslStep step = exchange.next(b64("n,a=alice,\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
        assertCredentials("alice", TOKEN, step);
        assertEquals(Kind.OAUTHBEARER, ((SaslStep.Authenticated) step).credentials().kind());
    }

    @Test
    void aStarCancelsAndAMalformedMessageFails() {
        SaslExchange exchange = xoauth2.newExchange();
        assertChallenge("", exchange.start(null));
        assertCancelled(exchange.next(ascii("*")));
        SaslStep failed = oauthbearer.newExchange().start(b64("n,a=alice,\u0001auth=Basic " + TOKEN + "\u0001\u0001"));
        assertInstanceOf(SaslStep.Failed.class, failed);
        assertFalse(((SaslStep.Failed) failed).text().contains(TOKEN));
    }

    @Test
    void aListenerOffersExactlyItsListInItsOrder() {
        SaslMechanisms chosen = SaslMechanisms.named(List.of("OAUTHBEARER", "XOAUTH2", "PLAIN"));
        assertEquals(List.of("OAUTHBEARER", "XOAUTH2", "PLAIN"), chosen.offered(true));
        assertEquals(List.of(), chosen.offered(false));
        assertEquals(null, chosen.find("LOGIN", true));
        assertInstanceOf(BearerMechanism.class, chosen.find("xoauth2", true));
    }
}
