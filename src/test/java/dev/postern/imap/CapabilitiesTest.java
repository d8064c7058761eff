package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What Postern offers before login and what it passes on from a backend after login. */
class CapabilitiesTest {
    private static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN");

    @Test
    void plainStartTlsListenerBeforeTlsWithTlsRequired() {
        assertEquals("IMAP4rev1 SASL-IR ID LITERAL- STARTTLS LOGINDISABLED",
                Capabilities.preAuth(true, false, MECHANISMS));
    }

    @Test
    void plainStartTlsListenerBeforeTlsWithoutTlsRequired() {
        assertEquals("IMAP4rev1 SASL-IR ID LITERAL- STARTTLS AUTH=PLAIN AUTH=LOGIN",
                Capabilities.preAuth(true, true, MECHANISMS));
    }

    @Test
    void afterTlsOrOnAnImplicitTlsListener() {
        assertEquals("IMAP4rev1 SASL-IR ID LITERAL- AUTH=PLAIN AUTH=LOGIN", Capabilities.preAuth(false, true, MECHANISMS));
    }

    @Test
    void loginDisabledAndAuthMechanismsNeverAppearTogether() {
        for (boolean startTls : new boolean[] {true, false}) {
            for (boolean login : new boolean[] {true, false}) {
                List<String> caps = Capabilities.split(Capabilities.preAuth(startTls, login, MECHANISMS));
                boolean disabled = Capabilities.has(caps, "LOGINDISABLED");
                boolean auth = caps.stream().anyMatch(c -> c.startsWith("AUTH="));
                assertEquals(!login, disabled, caps.toString());
                assertEquals(login, auth, caps.toString());
                assertEquals(startTls, Capabilities.has(caps, "STARTTLS"), caps.toString());
            }
        }
    }

    @Test
    void neverUnlimitedLiteralPlusBeforeLogin() {
        for (boolean startTls : new boolean[] {true, false}) {
            for (boolean login : new boolean[] {true, false}) {
                List<String> caps = Capabilities.split(Capabilities.preAuth(startTls, login, MECHANISMS));
                assertFalse(Capabilities.has(caps, "LITERAL+"), caps.toString());
                assertTrue(Capabilities.has(caps, "LITERAL-"), caps.toString());
                assertTrue(Capabilities.has(caps, "IMAP4rev1"), caps.toString());
                assertTrue(Capabilities.has(caps, "SASL-IR"), caps.toString());
                assertTrue(Capabilities.has(caps, "ID"), caps.toString());
            }
        }
    }

    @Test
    void postLoginDropsPreAuthOnlyCapabilitiesAndKeepsTheRestInOrder() {
        String backend = "IMAP4rev1 STARTTLS SASL-IR LOGIN-REFERRALS ID ENABLE IDLE auth=plain AUTH=LOGIN starttls"
                + " LoginDisabled LITERAL+ XFOO AUTHX";
        assertEquals(List.of("IMAP4rev1", "ID", "ENABLE", "IDLE", "LITERAL+", "XFOO", "AUTHX"),
                Capabilities.postLogin(backend));
    }

    @Test
    void postLoginOfNothingIsNothing() {
        assertEquals(List.of(), Capabilities.postLogin(""));
    }

    @Test
    void splitToleratesExtraSpaces() {
        assertEquals(List.of("IMAP4rev1", "IDLE"), Capabilities.split("  IMAP4rev1   IDLE "));
        assertEquals(List.of("IMAP4rev1", "\tIDLE"), Capabilities.split("IMAP4rev1 \tIDLE\r\n"));
        assertEquals(List.of(), Capabilities.split(""));
        assertEquals(List.of(), Capabilities.split("   "));
    }

    @Test
    void aListSeenAgainIsTheSameImmutableListAndCollidingTextsStayApart() {
        String dovecot = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES LITERAL+";
        List<String> first = Capabilities.split(dovecot);
        assertSame(first, Capabilities.split(new String(dovecot.toCharArray())), "parsed once, kept");
        assertSame(Capabilities.postLogin(dovecot), Capabilities.postLogin(dovecot));
        assertThrows(UnsupportedOperationException.class, () -> first.add("XEVIL"), "shared, so immutable");
        // "Aa" and "BB" have the same hash, so they take the same slot in turn
        assertEquals("Aa".hashCode(), "BB".hashCode());
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of("Aa"), Capabilities.split("Aa"));
            assertEquals(List.of("BB"), Capabilities.postLogin("BB"));
        }
    }

    @Test
    void hasIsCaseInsensitive() {
        assertTrue(Capabilities.has(List.of("IMAP4rev1", "idle"), "IDLE"));
        assertFalse(Capabilities.has(List.of("IMAP4rev1", "IDLEX"), "IDLE"));
    }
}
