package dev.postern.imap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Astrings in commands Postern sends to a backend: quoted when possible, else a literal whose form (synchronizing,
 * LITERAL-, LITERAL+) decides where the command must wait for the server's {@code + }.
 */
class ImapQuotingTest {
    private static final long SYNC_ONLY = 0;
    private static final long LITERAL_MINUS = 4096;
    private static final long LITERAL_PLUS = Long.MAX_VALUE;

    @Test
    void sevenBitArgumentsAreQuotedInOnePart() {
        assertEquals(List.of("A1 LOGIN \"alice\" \"secret pw\"\r\n"),
                command("A1 LOGIN", SYNC_ONLY, "alice", "secret pw"));
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals(List.of("A1 LOGIN \"a\\\"b\" \"c\\\\d\\\\\\\"\"\r\n"),
                command("A1 LOGIN", SYNC_ONLY, "a\"b", "c\\d\\\""));
    }

    @Test
    void anEmptyArgumentIsAnEmptyQuotedString() {
        assertEquals(List.of("A1 LOGIN \"alice\" \"\"\r\n"), command("A1 LOGIN", SYNC_ONLY, "alice", ""));
    }

    @Test
    void eightBitOctetsGoInASynchronizingLiteralThatSplitsTheCommand() {
        byte[] user = "j\u00f6rg".getBytes(UTF_8);
        List<byte[]> parts = ImapQuoting.command("A1 LOGIN", SYNC_ONLY, user, "pw".getBytes(UTF_8));
        assertEquals(List.of("A1 LOGIN {5}\r\n", "j\u00c3\u00b6rg \"pw\"\r\n"), strings(parts));
    }

    @Test
    void twoSynchronizingLiteralsMakeThreeParts() {
        assertEquals(List.of("A1 LOGIN {3}\r\n", "\u00e9\u00e9\u00e9 {2}\r\n", "\r\n\r\n"),
                command("A1 LOGIN", SYNC_ONLY, "\u00e9\u00e9\u00e9", "\r\n"));
    }

    @Test
    void literalMinusSendsSmallLiteralsWithoutWaiting() {
        assertEquals(List.of("A1 LOGIN {3+}\r\n\u00e9\u00e9\u00e9 {1+}\r\n\0\r\n"),
                command("A1 LOGIN", LITERAL_MINUS, "\u00e9\u00e9\u00e9", "\0"));
    }

    @Test
    void literalMinusStillSynchronizesPast4096Octets() {
        String big = "\u00e9".repeat(4097);
        String edge = "\u00e9".repeat(4096);
        assertEquals(List.of("A1 LOGIN {4096+}\r\n" + edge + " {4097}\r\n", big + "\r\n"),
                command("A1 LOGIN", LITERAL_MINUS, edge, big));
    }

    @Test
    void literalPlusNeverSynchronizes() {
        String big = "\u00e9".repeat(100_000);
        assertEquals(List.of("A1 LOGIN \"u\" {100000+}\r\n" + big + "\r\n"), command("A1 LOGIN", LITERAL_PLUS, "u", big));
    }

    @Test
    void longSevenBitArgumentsBecomeLiterals() {
        String edge = "a".repeat(1024);
        String over = "a".repeat(1025);
        assertEquals(List.of("A1 X \"" + edge + "\" {1025+}\r\n" + over + "\r\n"),
                command("A1 X", LITERAL_MINUS, edge, over));
    }

    @Test
    void quotableRefusesCrLfNulAndEightBit() {
        assertTrue(ImapQuoting.quotable("plain \"quoted\" \\ ok".getBytes(ISO_8859_1)));
        assertTrue(ImapQuoting.quotable(new byte[0]));
        for (String s : List.of("a\rb", "a\nb", "a\0b", "\u00e9", "\u007f\u0080")) {
            assertFalse(ImapQuoting.quotable(s.getBytes(ISO_8859_1)), s);
        }
    }

    /** Each argument's chars map to one octet each (ISO-8859-1); parts come back the same way. */
    private static List<String> command(String prefix, long nonSyncLimit, String... args) {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            raw[i] = args[i].getBytes(ISO_8859_1);
        }
        return strings(ImapQuoting.command(prefix, nonSyncLimit, raw));
    }

    private static List<String> strings(List<byte[]> parts) {
        return parts.stream().map(b -> new String(b, ISO_8859_1)).toList();
    }
}
