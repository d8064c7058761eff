package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.postern.imap.Credentials.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** XOAUTH2 and OAUTHBEARER messages, as clients send them and as Postern sends them on. */
class SaslBearerTest {
    private static final String TOKEN = "ya29.test-token_with.dots-AND-dashes";

    private static byte[] b64(String raw) {
        return Base64.getEncoder().encode(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void xoauth2AsGmailClientsSendIt() throws Exception {
        Credentials c = SaslBearer.decode(Kind.XOAUTH2, b64("user=alice@example.org\u0001auth=Bearer " + TOKEN
                + "\u0001\u0001"));
        assertEquals(Kind.XOAUTH2, c.kind());
        assertEquals("alice@example.org", c.userName());
        assertEquals(TOKEN, text(c.password()));
    }

    @Test
    void oauthbearerWithAnAuthzidAndHostAndPort() throws Exception {
        Credentials c = SaslBearer.decode(Kind.OAUTHBEARER, b64("n,a=user@example.com,\u0001host=server.example.com"
                + "\u0001port=143\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
        assertEquals(Kind.OAUTHBEARER, c.kind());
        assertEquals("user@example.com", c.userName());
        assertEquals(TOKEN, text(c.password()));
    }

    @Test
    void oauthbearerWithoutAnAuthzidNamesNoUser() throws Exception {
        Credentials c = SaslBearer.decode(Kind.OAUTHBEARER, b64("n,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
        assertEquals(0, c.user().length);
        assertEquals(null, c.unsendableReason(), "the token may name the user");
    }

    @Test
    void oauthbearerAuthzidEscapesAreDecoded() throws Exception {
        Credentials c = SaslBearer.decode(Kind.OAUTHBEARER, b64("y,a=a=2Cb=3Dc,\u0001auth=bearer " + TOKEN
                + "\u0001\u0001"));
        assertEquals("a,b=c", c.userName());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "user=alice\u0001auth=Bearer s3cr3t\u0001",          // not ended by ^A ^A
        "user=alice\u0001\u0001",                           // no token
        "auth=Bearer s3cr3t\u0001\u0001",                      // no user
        "user=alice\u0001auth=Basic s3cr3t\u0001\u0001",       // another scheme
        "user=alice\u0001auth=Bearer \u0001\u0001",         // empty token
        "user=alice\u0001auth=Bearer s3cr3t\u0001\u0001junk",  // data after the end
    })
    void malformedXoauth2IsRefused(String raw) {
        SaslBearer.InvalidMessage e = assertThrows(SaslBearer.InvalidMessage.class,
                () -> SaslBearer.decode(Kind.XOAUTH2, b64(raw)));
        assertFalse(e.getMessage().contains("s3cr3t"), "no token in the message: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "p=tls-unique,a=alice,\u0001auth=Bearer tok\u0001\u0001", // channel binding
        "n,a=alice\u0001auth=Bearer tok\u0001\u0001",            // header without its last comma
        "x,a=alice,\u0001auth=Bearer tok\u0001\u0001",           // unknown GS2 flag
        "n,b=alice,\u0001auth=Bearer tok\u0001\u0001",           // not an authzid
        "n,a=al=ice,\u0001auth=Bearer tok\u0001\u0001",          // '=' not escaped
        "n,a=alice,\u0001host=x\u0001\u0001",                    // no token
        "n,a=alice,auth=Bearer tok",                              // no ^A at all
    })
    void malformedOauthbearerIsRefused(String raw) {
        assertThrows(SaslBearer.InvalidMessage.class, () -> SaslBearer.decode(Kind.OAUTHBEARER, b64(raw)));
    }

    @Test
    void notBase64IsRefused() {
        assertThrows(SaslBearer.InvalidMessage.class,
                () -> SaslBearer.decode(Kind.XOAUTH2, "not base64!".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void whatPosternSendsOnDecodesToTheSameUserAndToken() throws Exception {
        for (Kind kind : new Kind[] {Kind.XOAUTH2, Kind.OAUTHBEARER}) {
            Credentials sent = Credentials.bearer(kind, "a,b=c@example.org".getBytes(StandardCharsets.UTF_8),
                    TOKEN.getBytes(StandardCharsets.UTF_8));
            Credentials back = SaslBearer.decode(kind, SaslBearer.encode(sent));
            assertEquals("a,b=c@example.org", back.userName(), kind.name());
            assertArrayEquals(sent.password(), back.password(), kind.name());
        }
        assertEquals("user=bob\u0001auth=Bearer t\u0001\u0001", text(Base64.getDecoder().decode(SaslBearer.encode(
                Credentials.bearer(Kind.XOAUTH2, "bob".getBytes(StandardCharsets.UTF_8), new byte[] {'t'})))));
        assertEquals("n,a=bob,\u0001auth=Bearer t\u0001\u0001", text(Base64.getDecoder().decode(SaslBearer.encode(
                Credentials.bearer(Kind.OAUTHBEARER, "bob".getBytes(StandardCharsets.UTF_8), new byte[] {'t'})))));
    }

    @Test
    void credentialsNeverShowTheToken() throws Exception {
        Credentials c = SaslBearer.decode(Kind.XOAUTH2, b64("user=alice\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
        assertEquals("Credentials[XOAUTH2, user=alice, secret=<hidden>]", c.toString());
    }
}
