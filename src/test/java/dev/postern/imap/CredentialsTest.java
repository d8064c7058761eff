package dev.postern.imap;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestSecrets;
import org.junit.jupiter.api.Test;

/** Credentials keep octets, hide the password, wipe both arrays, and decode the user name strictly. */
class CredentialsTest {
    private static final String PASSWORD = TestSecrets.register("Cred-Secret-91");

    /** Finding 8m. */
    @Test
    void toStringNeverShowsThePassword() {
        Credentials c = new Credentials("alice".getBytes(UTF_8), PASSWORD.getBytes(UTF_8));
        assertFalse(c.toString().contains(PASSWORD), c.toString());
        assertTrue(c.toString().contains("alice"), c.toString());
        Credentials notUtf8 = new Credentials(new byte[] {(byte) 0xff}, PASSWORD.getBytes(UTF_8));
        assertFalse(notUtf8.toString().contains(PASSWORD), notUtf8.toString());
    }

    /** Finding 8m: after the login nothing of the password (or the name) is left in the object. */
    @Test
    void wipeZeroesThePasswordAndTheUserName() {
        Credentials c = new Credentials("alice".getBytes(UTF_8), PASSWORD.getBytes(UTF_8));
        c.wipe();
        assertArrayEquals(new byte[PASSWORD.length()], c.password());
        assertArrayEquals(new byte[5], c.user());
    }

    /** Finding 8g: the user name as text stands for exactly its octets. */
    @Test
    void theUserNameIsStrictUtf8() {
        Credentials utf8 = new Credentials("j\u00f6rg".getBytes(UTF_8), PASSWORD.getBytes(UTF_8));
        assertEquals("j\u00f6rg", utf8.userName());
        assertNull(utf8.unsendableReason());
        Credentials latin1 = new Credentials(new byte[] {'j', (byte) 0xf6, 'r', 'g'}, PASSWORD.getBytes(UTF_8));
        assertEquals("user name is not valid UTF-8", latin1.unsendableReason());
        assertThrows(IllegalStateException.class, latin1::userName);
    }
}
