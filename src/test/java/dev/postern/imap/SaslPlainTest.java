package dev.postern.imap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SASL PLAIN (RFC 4616) as carried by AUTHENTICATE: base64 of {@code [authzid] NUL authcid NUL passwd}. */
class SaslPlainTest {
    private static final String PASSWORD = "Pl41nSecret";

    @Test
    void decodesAnEmptyAuthzid() throws Exception {
        Credentials c = SaslPlain.decode(b64("\0alice@example.org\0" + PASSWORD));
        assertEquals("alice@example.org", c.userName());
        assertArrayEquals(PASSWORD.getBytes(UTF_8), c.password());
    }

    @Test
    void acceptsAnAuthzidEqualToTheAuthcid() throws Exception {
        Credentials c = SaslPlain.decode(b64("alice\0alice\0" + PASSWORD));
        assertEquals("alice", c.userName());
        assertArrayEquals(PASSWORD.getBytes(UTF_8), c.password());
    }

    @Test
    void keepsUtf8AndAnEmptyPassword() throws Exception {
        Credentials c = SaslPlain.decode(b64("\0j\u00f6rg\0"));
        assertEquals("j\u00f6rg", c.userName());
        assertArrayEquals(new byte[0], c.password());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("authzid other than the authcid", b64("admin\0alice\0" + PASSWORD),
                        "Authorization identity must be empty or the login name"),
                Arguments.of("empty authcid", b64("\0\0" + PASSWORD), "Empty authentication identity"),
                Arguments.of("no NUL at all", b64("alice" + PASSWORD),
                        "Invalid PLAIN message (expected: authzid NUL authcid NUL password)"),
                Arguments.of("one NUL", b64("alice\0" + PASSWORD),
                        "Invalid PLAIN message (expected: authzid NUL authcid NUL password)"),
                Arguments.of("a NUL in the password", b64("\0alice\0" + PASSWORD + "\0x"),
                        "Invalid PLAIN message (expected: authzid NUL authcid NUL password)"),
                Arguments.of("empty response", new byte[0],
                        "Invalid PLAIN message (expected: authzid NUL authcid NUL password)"),
                Arguments.of("not base64", (PASSWORD + "!*").getBytes(ISO_8859_1), "Invalid base64 data"),
                Arguments.of("a lone '='", "=".getBytes(ISO_8859_1), "Invalid base64 data"),
                Arguments.of("base64 with a space", ("AGFsaWNl AHg=").getBytes(ISO_8859_1), "Invalid base64 data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesWithAMessageThatNeverHoldsThePayload(String name, byte[] response, String message) {
        SaslPlain.InvalidResponse e = assertThrows(SaslPlain.InvalidResponse.class, () -> SaslPlain.decode(response));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
        assertFalse(e.getMessage().contains("alice"));
        assertNull(e.getCause());
    }

    @Test
    void encodesNulUserNulPassword() {
        byte[] encoded = SaslPlain.encode(new Credentials("alice".getBytes(UTF_8), PASSWORD.getBytes(UTF_8)));
        assertEquals(Base64.getEncoder().encodeToString(("\0alice\0" + PASSWORD).getBytes(UTF_8)),
                new String(encoded, ISO_8859_1));
    }

    @Test
    void encodeThenDecodeGivesTheSameCredentials() throws Exception {
        byte[] user = "us\u00e9r@example.org".getBytes(UTF_8);
        byte[] password = "p\u00e4ss w\"o\\rd".getBytes(UTF_8);
        Credentials back = SaslPlain.decode(SaslPlain.encode(new Credentials(user, password)));
        assertArrayEquals(user, back.user());
        assertArrayEquals(password, back.password());
    }

    @Test
    void credentialsHideThePasswordAndWipeIt() {
        Credentials c = new Credentials("alice".getBytes(UTF_8), PASSWORD.getBytes(UTF_8));
        assertFalse(c.toString().contains(PASSWORD));
        assertEquals("Credentials[PASSWORD, user=alice, secret=<hidden>]", c.toString());
        c.wipe();
        assertArrayEquals(new byte[PASSWORD.length()], c.password());
    }

    @Test
    void credentialsSayWhyTheyCannotBeSent() {
        assertNull(new Credentials(bytes("alice"), bytes("pw")).unsendableReason());
        assertNull(new Credentials(bytes("alice"), bytes("")).unsendableReason());
        assertEquals("empty user name", new Credentials(bytes(""), bytes("pw")).unsendableReason());
        assertEquals("user name contains CR, LF or NUL", new Credentials(bytes("al\rice"), bytes("pw")).unsendableReason());
        assertEquals("user name contains CR, LF or NUL", new Credentials(bytes("al\nice"), bytes("pw")).unsendableReason());
        assertEquals("user name contains CR, LF or NUL", new Credentials(bytes("al\0ice"), bytes("pw")).unsendableReason());
        assertEquals("password contains CR, LF or NUL", new Credentials(bytes("alice"), bytes("p\r")).unsendableReason());
        assertEquals("password contains CR, LF or NUL", new Credentials(bytes("alice"), bytes("\np")).unsendableReason());
        assertEquals("password contains CR, LF or NUL", new Credentials(bytes("alice"), bytes("p\0w")).unsendableReason());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    private static byte[] b64(String raw) {
        return Base64.getEncoder().encode(raw.getBytes(UTF_8));
    }
}
