package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Server response lines split into tag, status, response code and text (RFC 9051 7.1). */
class ResponseLineTest {

    @Test
    void taggedOkWithACapabilityCode() {
        ResponseLine r = ResponseLine.parse("A1 OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Logged in");
        assertEquals(new ResponseLine("A1", "OK", "CAPABILITY IMAP4rev1 IDLE LITERAL+", "Logged in"), r);
        assertFalse(r.untagged());
        assertFalse(r.continuation());
        assertEquals("IMAP4rev1 IDLE LITERAL+", r.capabilityCode());
        assertEquals("OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Logged in", r.afterTag());
    }

    @Test
    void taggedNoKeepsItsResponseCodeAndUpperCasesTheStatus() {
        ResponseLine r = ResponseLine.parse("A1 no [AUTHENTICATIONFAILED] Authentication failed.");
        assertEquals(new ResponseLine("A1", "NO", "AUTHENTICATIONFAILED", "Authentication failed."), r);
        assertNull(r.capabilityCode());
        assertEquals("NO [AUTHENTICATIONFAILED] Authentication failed.", r.afterTag());
    }

    @Test
    void taggedWithoutCode() {
        ResponseLine r = ResponseLine.parse("A2 BAD Error in IMAP command");
        assertEquals(new ResponseLine("A2", "BAD", null, "Error in IMAP command"), r);
        assertEquals("BAD Error in IMAP command", r.afterTag());
    }

    @Test
    void statusWithoutText() {
        assertEquals(new ResponseLine("A3", "OK", null, ""), ResponseLine.parse("A3 OK"));
    }

    @Test
    void untaggedGreetingWithCapabilities() {
        ResponseLine r = ResponseLine.parse("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.");
        assertTrue(r.untagged());
        assertEquals("OK", r.status());
        assertEquals("IMAP4rev1 STARTTLS AUTH=PLAIN", r.capabilityCode());
        assertEquals("Dovecot ready.", r.text());
    }

    @Test
    void untaggedCapabilityResponse() {
        ResponseLine r = ResponseLine.parse("* CAPABILITY IMAP4rev1 SASL-IR");
        assertEquals(new ResponseLine("*", "CAPABILITY", null, "IMAP4rev1 SASL-IR"), r);
        assertNull(r.capabilityCode());
    }

    @Test
    void capabilityCodeIsCaseInsensitiveAndNeedsItsSpace() {
        assertEquals("IMAP4rev1", ResponseLine.parse("* OK [capability IMAP4rev1] hi").capabilityCode());
        assertNull(ResponseLine.parse("* OK [CAPABILITYX IMAP4rev1] hi").capabilityCode());
        assertNull(ResponseLine.parse("* OK [CAPABILITY] hi").capabilityCode());
    }

    @Test
    void continuationRequests() {
        ResponseLine plain = ResponseLine.parse("+ ");
        assertTrue(plain.continuation());
        assertFalse(plain.untagged());
        assertEquals("", plain.text());
        assertEquals("", ResponseLine.parse("+").text());
        assertEquals("Ready for literal data", ResponseLine.parse("+ Ready for literal data").text());
        assertEquals("+", ResponseLine.parse("+ ").tag());
    }

    @Test
    void anUnterminatedCodeStaysInTheText() {
        ResponseLine r = ResponseLine.parse("* OK [ALERT no close");
        assertNull(r.code());
        assertEquals("[ALERT no close", r.text());
    }

    @Test
    void aLineWithoutSpaceIsAllTag() {
        assertEquals(new ResponseLine("garbage", "", null, ""), ResponseLine.parse("garbage"));
        assertEquals(new ResponseLine("", "", null, ""), ResponseLine.parse(""));
    }
}
