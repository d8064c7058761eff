package dev.postern.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry: advertised order, offered only once login is allowed, names matched in any case. */
class SaslMechanismsTest {

    @Test
    void plainThenLoginAreOfferedOnceLoginIsAllowedAndNoneBefore() {
        assertEquals(List.of("PLAIN", "LOGIN"), SaslMechanisms.DEFAULT.offered(true));
        assertEquals(List.of(), SaslMechanisms.DEFAULT.offered(false));
    }

    @Test
    void mechanismsAreFoundByNameInAnyCase() {
        assertInstanceOf(PlainMechanism.class, SaslMechanisms.DEFAULT.find("plain", true));
        assertInstanceOf(LoginMechanism.class, SaslMechanisms.DEFAULT.find("Login", true));
    }

    @Test
    void unknownOrNotYetOfferedMechanismsAreNotFound() {
        assertNull(SaslMechanisms.DEFAULT.find("CRAM-MD5", true));
        assertNull(SaslMechanisms.DEFAULT.find("PLAIN", false));
    }

    @Test
    void aMechanismMayBeOfferedBeforeLoginIsAllowed() {
        SaslMechanism external = new SaslMechanism() {
            @Override
            public String name() {
                return "EXTERNAL";
            }

            @Override
            public boolean offered(boolean loginAllowed) {
                return true;
            }

            @Override
            public SaslExchange newExchange() {
                throw new UnsupportedOperationException();
            }
        };
        SaslMechanisms mechanisms = new SaslMechanisms(List.of(new PlainMechanism(), external));
        assertEquals(List.of("EXTERNAL"), mechanisms.offered(false));
        assertEquals(List.of("PLAIN", "EXTERNAL"), mechanisms.offered(true));
    }
}
